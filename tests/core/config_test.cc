#include "core/config.h"

#include <gtest/gtest.h>

namespace ocres {
namespace {

struct Example {
  double friction = 1.0;  // dimensionless
  int horizon = 10;
  std::vector<double> gains{1, 2, 3};
};

Example parse(const std::string& text) {
  Example e;
  YamlFields f(load_yaml_string(text, "test.yaml"), "test.yaml");
  f.get_in_range("friction", e.friction, 0.0, 5.0);
  f.get_in_range("horizon", e.horizon, 1, 1000);
  f.get_vector("gains", e.gains, 3, -10, 10);
  f.finish();
  return e;
}

void expect_error_mentions(const std::string& text, const std::string& needle) {
  try {
    parse(text);
    FAIL() << "expected InputError for: " << text;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Config, AbsentKeysKeepDefaults) {
  const Example e = parse("horizon: 20\n");
  EXPECT_EQ(e.horizon, 20);
  EXPECT_DOUBLE_EQ(e.friction, 1.0);
}

TEST(Config, ErrorsNameTheBadValue) {
  expect_error_mentions("friction: 9\n", "friction");
  expect_error_mentions("friction: abc\n", "abc");
  expect_error_mentions("fricton: 1\n", "unknown field 'fricton'");
  expect_error_mentions("gains: [1, 2]\n", "needs 3");
  expect_error_mentions("horizon: [1\n", "malformed YAML");
  expect_error_mentions("friction: .nan\n", "friction");
}

TEST(Config, MissingFileIsAnInputError) { EXPECT_THROW(load_yaml_file("/nonexistent/x.yaml"), InputError); }

}  // namespace
}  // namespace ocres
