#pragma once
// Self-contained SVG charts (no plotting dependency): a grouped bar chart with error bars and a grid of
// line-chart panels. Both have axis ticks at "nice" numbers (1, 2, 5 x 10^k), axis labels, a title and a
// legend. Missing values are NaN: a NaN bar is not drawn, a NaN point breaks a line. The output is one
// UTF-8 XML document; text is escaped.
#include <limits>
#include <string>
#include <vector>

namespace ocres::eval::svg {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Tick positions covering [lo, hi] with about `target` steps of 1, 2 or 5 x 10^k; the first tick is
// <= lo and the last >= hi. lo == hi is widened to a unit interval around it.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);
// Formats a tick value without trailing zeros (0.2, 1, 1500, 2.5e+06); `percent` multiplies by 100 and
// appends '%'.
std::string format_tick(double value, bool percent = false);
// Escapes &, <, >, " and ' for XML text and attribute values.
std::string xml_escape(const std::string& text);
// Colour of series i (Okabe-Ito, colour-blind safe; cycles after 8).
const char* series_color(int i);

// One series of a bar chart: one value per group, with optional error-bar bounds (absolute values, not
// offsets; empty = no error bars, NaN entry = none for that bar).
struct BarSeries {
  std::string name;
  std::string color;  // empty: series_color(index)
  std::vector<double> values;
  std::vector<double> err_low, err_high;
};

struct BarChart {
  std::string title, y_label;
  std::vector<std::string> groups;  // x categories, e.g. tasks
  std::vector<BarSeries> series;    // one bar per group each, e.g. conditions
  double y_min = 0, y_max = kNaN;   // NaN: from the data (values and error bars)
  bool percent = false;             // y values are fractions, ticks shown as percentages
  int value_decimals = 0;           // digits after the point in the value printed above a bar (not percent)
  bool signed_values = false;       // print an explicit + on positive values (differences)
  int width = 820, height = 420;
};
std::string bar_chart_svg(const BarChart& chart);

struct LineSeries {
  std::string name;
  std::string color;  // empty: by the order in which names first appear across panels
  std::vector<double> x, y;
  std::vector<double> band_low, band_high;  // optional shaded band (same length as x), e.g. min-max over seeds
  bool dashed = false;
};

struct LinePanel {
  std::string title, x_label, y_label;
  std::vector<LineSeries> series;
  double y_min = kNaN, y_max = kNaN;  // NaN: from the data
  bool percent = false;
};

// Panels laid out in a grid of `columns`; one legend (series names across all panels, by colour
// index) under the title. Series with the same name get the same colour in every panel.
std::string line_panels_svg(const std::string& title, const std::vector<LinePanel>& panels, int columns = 3,
                            int panel_width = 360, int panel_height = 260);

}  // namespace ocres::eval::svg
