// The `ocres` command line. Thin: parses flags, calls libraries, prints. Every evaluating command prints
// a human summary on stderr and, with --json, exactly one JSON object on stdout.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "apps/commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"ocres: object-centric residual RL for imitation-learned robot policies"};
  app.require_subcommand(1);
  ocres::apps::register_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const ocres::InputError& e) {
    std::fprintf(stderr, "ocres: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ocres: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
