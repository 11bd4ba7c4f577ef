// SVG charts: nice ticks, escaping, and documents that an XML parser (Python's minidom) accepts, with the
// expected elements (bars, error bars, lines, legend).
#include "eval/svg_plot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace ocres::eval::svg {
namespace {

// Parses `svg` with /usr/bin/python3's xml.dom.minidom and returns element counts ("rect" -> n, ...)
// plus "root" -> 1 if the root element is <svg>, and "error" -> 1 if the document did not parse.
std::map<std::string, int> parse_with_python(const std::string& svg) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("ocres_svg_" + std::string(info->name()) + "_" + std::to_string(getpid()) + ".svg"))
                               .string();
  std::ofstream(path) << svg;
  const std::string cmd =
      "/usr/bin/python3 -c \"import sys, xml.dom.minidom as m\n"
      "try:\n"
      "    d = m.parse(sys.argv[1])\n"
      "except Exception as e:\n"
      "    print('error 1'); sys.exit(0)\n"
      "r = d.documentElement\n"
      "print('root', int(r.tagName == 'svg' and r.getAttribute('xmlns') == 'http://www.w3.org/2000/svg'))\n"
      "for t in ['rect', 'line', 'text', 'path', 'polygon', 'circle', 'title']:\n"
      "    print(t, len(d.getElementsByTagName(t)))\n"
      "\" " + path + " 2>&1";
  std::map<std::string, int> counts;
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 512> buf;
  std::string out;
  while (p && std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  if (p) pclose(p);
  std::istringstream in(out);
  std::string key;
  int n = 0;
  while (in >> key >> n) counts[key] = n;
  std::remove(path.c_str());
  return counts;
}

TEST(NiceTicks, AreRoundNumbersCoveringTheRange) {
  EXPECT_EQ(nice_ticks(0, 1), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  EXPECT_EQ(nice_ticks(0, 60000, 4), (std::vector<double>{0, 20000, 40000, 60000}));
  const auto t = nice_ticks(130, 470);
  EXPECT_LE(t.front(), 130);
  EXPECT_GE(t.back(), 470);
  EXPECT_DOUBLE_EQ(t[1] - t[0], 100);
  const auto same = nice_ticks(3, 3);
  EXPECT_LE(same.front(), 3);
  EXPECT_GE(same.back(), 3);
  EXPECT_GT(same.back(), same.front());
}

TEST(FormatTick, IsShortAndReadable) {
  EXPECT_EQ(format_tick(0.2), "0.2");
  EXPECT_EQ(format_tick(0.2, true), "20%");
  EXPECT_EQ(format_tick(20000), "20k");
  EXPECT_EQ(format_tick(2500000), "2.5M");
  EXPECT_EQ(format_tick(300), "300");
}

TEST(XmlEscape, EscapesMarkupCharacters) { EXPECT_EQ(xml_escape("a<b & \"c\" > 'd'"), "a&lt;b &amp; &quot;c&quot; &gt; &apos;d&apos;"); }

TEST(BarChart, IsWellFormedWithOneBarPerValueAndErrorBars) {
  BarChart c;
  c.title = "Success <sim> & more";
  c.y_label = "success";
  c.groups = {"Cube Lift", "Stack Cube", "Close Drawer"};
  c.series = {{"base", "", {0.2, 0.5, 0.55}, {0.1, 0.3, 0.35}, {0.3, 0.7, 0.75}},
              {"+res", "", {0.9, kNaN, 0.95}, {0.8, kNaN, 0.9}, {0.97, kNaN, 0.99}}};
  c.y_max = 1;
  c.percent = true;
  const std::string svg = bar_chart_svg(c);
  const auto n = parse_with_python(svg);
  ASSERT_EQ(n.count("error"), 0u) << svg;
  EXPECT_EQ(n.at("root"), 1);
  // Background + 2 legend swatches + 5 bars (one NaN).
  EXPECT_EQ(n.at("rect"), 1 + 2 + 5);
  EXPECT_EQ(n.at("title"), 5) << "a tooltip per bar";
  // Lines: 6 y ticks x (grid + tick mark) + y axis + x axis + 5 error bars x 3.
  EXPECT_EQ(n.at("line"), 6 * 2 + 2 + 5 * 3);
  EXPECT_NE(svg.find("Success &lt;sim&gt; &amp; more"), std::string::npos);
  EXPECT_NE(svg.find(">100%<"), std::string::npos) << "percent ticks";
}

TEST(BarChart, EmptyChartIsStillAValidDocument) {
  const auto n = parse_with_python(bar_chart_svg(BarChart{}));
  EXPECT_EQ(n.count("error"), 0u);
  EXPECT_EQ(n.at("root"), 1);
}

TEST(LinePanels, AreWellFormedWithBandsLinesAndSharedColours) {
  LinePanel a, b;
  a.title = "Cube Lift";
  a.x_label = "environment steps";
  a.y_label = "success";
  a.percent = true;
  a.y_min = 0;
  a.y_max = 1;
  a.series = {{"+res", "", {0, 10000, 20000}, {0.2, 0.5, 0.9}, {0.1, 0.4, 0.8}, {0.3, 0.6, 1.0}, false},
              {"base", "", {0, 20000}, {0.2, 0.2}, {}, {}, true}};
  b = a;
  b.title = "Stack Cube";
  b.series[0].y = {0.1, kNaN, 0.7};  // a gap
  const std::string svg = line_panels_svg("Training curves", {a, b}, 3);
  const auto n = parse_with_python(svg);
  ASSERT_EQ(n.count("error"), 0u) << svg;
  EXPECT_EQ(n.at("root"), 1);
  EXPECT_EQ(n.at("path"), 4);
  EXPECT_EQ(n.at("polygon"), 2);
  EXPECT_EQ(n.at("circle"), 3 + 2) << "markers on solid lines, not on the NaN point or dashed lines";
  EXPECT_EQ(n.at("rect"), 1 + 1) << "background + one legend swatch per distinct solid series (the dashed one: a line)";
  EXPECT_NE(svg.find("stroke-dasharray=\"4 2\""), std::string::npos) << "dashed legend sample";
  // Same name, same colour in both panels.
  const std::string c0 = series_color(0);
  size_t count = 0;
  for (size_t pos = svg.find("stroke=\"" + c0 + "\" stroke-width=\"2\""); pos != std::string::npos;
       pos = svg.find("stroke=\"" + c0 + "\" stroke-width=\"2\"", pos + 1))
    ++count;
  EXPECT_EQ(count, 2u);
  EXPECT_NE(svg.find("M"), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
}

}  // namespace
}  // namespace ocres::eval::svg
