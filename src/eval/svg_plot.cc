#include "eval/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace ocres::eval::svg {

namespace {

constexpr int kTitleFont = 15, kLabelFont = 12, kTickFont = 11;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  std::string s(buf);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string svg_open(int width, int height) {
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 "
    << width << " " << height << "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
    << "<rect x=\"0\" y=\"0\" width=\"" << width << "\" height=\"" << height << "\" fill=\"white\"/>\n";
  return o.str();
}

void text(std::ostringstream& o, double x, double y, const std::string& s, int size, const char* anchor = "middle",
          const std::string& extra = "") {
  o << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" font-size=\"" << size << "\" text-anchor=\"" << anchor << "\""
    << (extra.empty() ? "" : " " + extra) << ">" << xml_escape(s) << "</text>\n";
}

void line(std::ostringstream& o, double x1, double y1, double x2, double y2, const std::string& stroke, double w = 1,
          const std::string& extra = "") {
  o << "<line x1=\"" << num(x1) << "\" y1=\"" << num(y1) << "\" x2=\"" << num(x2) << "\" y2=\"" << num(y2) << "\" stroke=\""
    << stroke << "\" stroke-width=\"" << num(w) << "\"" << (extra.empty() ? "" : " " + extra) << "/>\n";
}

// A linear map from data to pixels.
struct Scale {
  double d0, d1, p0, p1;
  double operator()(double v) const { return p0 + (v - d0) / (d1 - d0) * (p1 - p0); }
};

// Data range of finite values, widened by extra values; {NaN, NaN} if none.
void extend(double v, double& lo, double& hi) {
  if (!std::isfinite(v)) return;
  lo = std::isfinite(lo) ? std::min(lo, v) : v;
  hi = std::isfinite(hi) ? std::max(hi, v) : v;
}

// Ticks and scale for a y axis from [lo, hi] (either may be NaN = unknown).
std::vector<double> axis_ticks(double lo, double hi, int target = 5) {
  if (!std::isfinite(lo) && !std::isfinite(hi)) lo = 0, hi = 1;
  if (!std::isfinite(lo)) lo = hi;
  if (!std::isfinite(hi)) hi = lo;
  return nice_ticks(lo, hi, target);
}

// Horizontal grid lines with tick labels at the left of [x0, x1].
void y_axis(std::ostringstream& o, const Scale& y, const std::vector<double>& ticks, double x0, double x1, bool percent) {
  for (double t : ticks) {
    const double py = y(t);
    line(o, x0, py, x1, py, "#e0e0e0");
    line(o, x0 - 4, py, x0, py, "#333");
    text(o, x0 - 7, py + 4, format_tick(t, percent), kTickFont, "end");
  }
  line(o, x0, y(ticks.front()), x0, y(ticks.back()), "#333");
}

// Entries named in `dashed` are drawn as a dashed line sample, the others as a filled swatch.
void legend(std::ostringstream& o, double x, double y, const std::vector<std::pair<std::string, std::string>>& entries,
            double max_width, const std::set<std::string>& dashed = {}) {
  double cx = x, cy = y;
  for (const auto& [name, color] : entries) {
    const double w = 22 + 7.0 * static_cast<double>(name.size()) + 16;
    if (cx + w > x + max_width && cx > x) {
      cx = x;
      cy += 18;
    }
    if (dashed.count(name))
      line(o, cx, cy - 5, cx + 14, cy - 5, color, 2, "stroke-dasharray=\"4 2\"");
    else
      o << "<rect x=\"" << num(cx) << "\" y=\"" << num(cy - 10) << "\" width=\"14\" height=\"10\" fill=\"" << color << "\"/>\n";
    text(o, cx + 19, cy, name, kLabelFont, "start");
    cx += w;
  }
}

int legend_rows(const std::vector<std::pair<std::string, std::string>>& entries, double max_width) {
  int rows = entries.empty() ? 0 : 1;
  double cx = 0;
  for (const auto& e : entries) {
    const double w = 22 + 7.0 * static_cast<double>(e.first.size()) + 16;
    if (cx + w > max_width && cx > 0) {
      ++rows;
      cx = 0;
    }
    cx += w;
  }
  return rows;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {0.0, 1.0};
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  target = std::max(1, target);
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  const double first = std::floor(lo / step + 1e-9) * step;
  std::vector<double> ticks;
  for (int i = 0; i < 1000; ++i) {  // at most ~2 * target steps; the bound guards against rounding
    double t = first + i * step;
    if (std::abs(t) < step * 1e-9) t = 0;  // no "-0" or 1e-17 from rounding
    ticks.push_back(t);
    if (t >= hi - step * 1e-9) break;
  }
  return ticks;
}

std::string format_tick(double value, bool percent) {
  char buf[32];
  if (percent) {
    std::snprintf(buf, sizeof(buf), "%.4g%%", value * 100);
    return buf;
  }
  const double a = std::abs(value);
  if (a >= 1e6)
    std::snprintf(buf, sizeof(buf), "%.4gM", value / 1e6);
  else if (a >= 1e4)
    std::snprintf(buf, sizeof(buf), "%.4gk", value / 1e3);
  else
    std::snprintf(buf, sizeof(buf), "%.4g", value);
  return buf;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* series_color(int i) {
  // Okabe & Ito (2008): black first is replaced by grey so that a "base" series reads as neutral.
  static const char* kColors[] = {"#7f7f7f", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"};
  return kColors[((i % 8) + 8) % 8];
}

std::string bar_chart_svg(const BarChart& c) {
  const int W = c.width, H = c.height;
  std::vector<std::pair<std::string, std::string>> entries;
  for (size_t s = 0; s < c.series.size(); ++s)
    entries.emplace_back(c.series[s].name, c.series[s].color.empty() ? series_color(static_cast<int>(s)) : c.series[s].color);
  const double left = 70, right = 20;
  const double top = 34 + 18.0 * legend_rows(entries, W - left - right) + 10, bottom = 40;
  const double x0 = left, x1 = W - right, y0 = H - bottom, y1 = top;

  double lo = c.y_min, hi = c.y_max;
  double dlo = kNaN, dhi = kNaN;
  for (const auto& s : c.series) {
    for (double v : s.values) extend(v, dlo, dhi);
    for (double v : s.err_low) extend(v, dlo, dhi);
    for (double v : s.err_high) extend(v, dlo, dhi);
  }
  if (!std::isfinite(lo)) lo = std::isfinite(dlo) ? std::min(dlo, 0.0) : 0.0;
  if (!std::isfinite(hi)) hi = std::isfinite(dhi) ? dhi : 1.0;
  const std::vector<double> ticks = axis_ticks(lo, hi);
  const Scale y{ticks.front(), ticks.back(), y0, y1};

  std::ostringstream o;
  o << svg_open(W, H);
  text(o, W / 2.0, 22, c.title, kTitleFont, "middle", "font-weight=\"bold\"");
  legend(o, x0, 46, entries, x1 - x0);
  y_axis(o, y, ticks, x0, x1, c.percent);
  text(o, 16, (y0 + y1) / 2, c.y_label, kLabelFont, "middle", "transform=\"rotate(-90 16 " + num((y0 + y1) / 2) + ")\"");
  line(o, x0, y0, x1, y0, "#333");

  const size_t G = c.groups.size(), S = std::max<size_t>(1, c.series.size());
  const double gw = G ? (x1 - x0) / static_cast<double>(G) : (x1 - x0);
  const double bw = std::min(0.8 * gw / static_cast<double>(S), 70.0);  // bars of a group, centred
  const double pad = (gw - bw * static_cast<double>(S)) / 2;
  for (size_t g = 0; g < G; ++g) {
    const double gx = x0 + gw * static_cast<double>(g);
    text(o, gx + gw / 2, y0 + 18, c.groups[g], kLabelFont);
    for (size_t s = 0; s < c.series.size(); ++s) {
      const BarSeries& ser = c.series[s];
      const double v = g < ser.values.size() ? ser.values[g] : kNaN;
      const double bx = gx + pad + bw * static_cast<double>(s);
      if (std::isfinite(v)) {
        const double base = std::clamp(0.0, ticks.front(), ticks.back());
        const double top_px = std::min(y(v), y(base)), h = std::abs(y(v) - y(base));
        o << "<rect x=\"" << num(bx + 1) << "\" y=\"" << num(top_px) << "\" width=\"" << num(std::max(1.0, bw - 2))
          << "\" height=\"" << num(h) << "\" fill=\"" << entries[s].second << "\"><title>" << xml_escape(ser.name + ", " + c.groups[g] + ": " + format_tick(v, c.percent))
          << "</title></rect>\n";
      }
      const double lo_e = g < ser.err_low.size() ? ser.err_low[g] : kNaN;
      const double hi_e = g < ser.err_high.size() ? ser.err_high[g] : kNaN;
      const bool err = std::isfinite(lo_e) && std::isfinite(hi_e);
      if (err) {
        const double cx = bx + bw / 2, cap = std::min(6.0, bw / 3);
        line(o, cx, y(lo_e), cx, y(hi_e), "#222", 1.2);
        line(o, cx - cap, y(lo_e), cx + cap, y(lo_e), "#222", 1.2);
        line(o, cx - cap, y(hi_e), cx + cap, y(hi_e), "#222", 1.2);
      }
      if (std::isfinite(v)) {  // the value beyond the bar's end and its error bar: above, or below a negative bar
        char label[32];
        if (c.percent) std::snprintf(label, sizeof(label), "%.0f%%", 100 * v);
        else std::snprintf(label, sizeof(label), c.signed_values ? "%+.*f" : "%.*f", std::clamp(c.value_decimals, 0, 6), v);
        double end_px = y(v);
        if (err) end_px = v < 0 ? std::max({end_px, y(lo_e), y(hi_e)}) : std::min({end_px, y(lo_e), y(hi_e)});
        text(o, bx + bw / 2, v < 0 ? end_px + 12 : end_px - 4, label, 9);
      }
    }
  }
  o << "</svg>\n";
  return o.str();
}

std::string line_panels_svg(const std::string& title, const std::vector<LinePanel>& panels, int columns, int pw, int ph) {
  columns = std::max(1, std::min<int>(columns, std::max<int>(1, static_cast<int>(panels.size()))));
  const int rows = std::max(1, (static_cast<int>(panels.size()) + columns - 1) / columns);
  const int W = std::max(columns * pw, static_cast<int>(8.5 * static_cast<double>(title.size())) + 40);  // room for the title
  // Colours by name, in order of first appearance (or as given).
  std::vector<std::pair<std::string, std::string>> entries;
  std::map<std::string, std::string> color_of;
  std::set<std::string> dashed;
  for (const auto& p : panels)
    for (const auto& s : p.series) {
      if (s.dashed) dashed.insert(s.name);
      if (!color_of.count(s.name)) {
        color_of[s.name] = s.color.empty() ? series_color(static_cast<int>(entries.size())) : s.color;
        entries.emplace_back(s.name, color_of[s.name]);
      }
    }
  const double head = 34 + 18.0 * legend_rows(entries, W - 40) + 6;
  const int H = static_cast<int>(head) + rows * ph;

  std::ostringstream o;
  o << svg_open(W, H);
  text(o, W / 2.0, 22, title, kTitleFont, "middle", "font-weight=\"bold\"");
  legend(o, 20, 46, entries, W - 40, dashed);
  for (size_t i = 0; i < panels.size(); ++i) {
    const LinePanel& p = panels[i];
    const double ox = pw * static_cast<double>(i % columns), oy = head + ph * static_cast<double>(i / columns);
    const double x0 = ox + 62, x1 = ox + pw - 16, y1 = oy + 28, y0 = oy + ph - 44;
    double xlo = kNaN, xhi = kNaN, ylo = p.y_min, yhi = p.y_max, dylo = kNaN, dyhi = kNaN;
    for (const auto& s : p.series) {
      for (double v : s.x) extend(v, xlo, xhi);
      for (double v : s.y) extend(v, dylo, dyhi);
      for (double v : s.band_low) extend(v, dylo, dyhi);
      for (double v : s.band_high) extend(v, dylo, dyhi);
    }
    if (!std::isfinite(ylo)) ylo = dylo;
    if (!std::isfinite(yhi)) yhi = dyhi;
    const std::vector<double> yt = axis_ticks(ylo, yhi), xt = axis_ticks(xlo, xhi, 4);
    const Scale y{yt.front(), yt.back(), y0, y1}, x{xt.front(), xt.back(), x0, x1};
    text(o, (x0 + x1) / 2, oy + 18, p.title, kLabelFont + 1, "middle", "font-weight=\"bold\"");
    y_axis(o, y, yt, x0, x1, p.percent);
    line(o, x0, y0, x1, y0, "#333");
    for (double t : xt) {
      line(o, x(t), y0, x(t), y0 + 4, "#333");
      text(o, x(t), y0 + 16, format_tick(t), kTickFont);
    }
    text(o, (x0 + x1) / 2, y0 + 34, p.x_label, kLabelFont);
    text(o, ox + 14, (y0 + y1) / 2, p.y_label, kLabelFont, "middle", "transform=\"rotate(-90 " + num(ox + 14) + " " + num((y0 + y1) / 2) + ")\"");
    for (const auto& s : p.series) {
      const std::string& color = color_of[s.name];
      const size_t n = s.x.size();
      if (s.band_low.size() == n && s.band_high.size() == n && n > 0) {
        std::ostringstream pts;
        for (size_t k = 0; k < n; ++k)
          if (std::isfinite(s.x[k]) && std::isfinite(s.band_high[k])) pts << num(x(s.x[k])) << "," << num(y(s.band_high[k])) << " ";
        for (size_t k = n; k-- > 0;)
          if (std::isfinite(s.x[k]) && std::isfinite(s.band_low[k])) pts << num(x(s.x[k])) << "," << num(y(s.band_low[k])) << " ";
        o << "<polygon points=\"" << pts.str() << "\" fill=\"" << color << "\" fill-opacity=\"0.18\" stroke=\"none\"/>\n";
      }
      std::ostringstream d;
      bool pen_down = false;
      for (size_t k = 0; k < n && k < s.y.size(); ++k) {
        if (!std::isfinite(s.x[k]) || !std::isfinite(s.y[k])) {
          pen_down = false;
          continue;
        }
        d << (pen_down ? "L" : "M") << num(x(s.x[k])) << " " << num(y(s.y[k])) << " ";
        pen_down = true;
      }
      o << "<path d=\"" << d.str() << "\" fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\""
        << (s.dashed ? " stroke-dasharray=\"6 4\"" : "") << "><title>" << xml_escape(s.name) << "</title></path>\n";
      if (n <= 40 && !s.dashed)
        for (size_t k = 0; k < n && k < s.y.size(); ++k)
          if (std::isfinite(s.x[k]) && std::isfinite(s.y[k]))
            o << "<circle cx=\"" << num(x(s.x[k])) << "\" cy=\"" << num(y(s.y[k])) << "\" r=\"2.5\" fill=\"" << color << "\"/>\n";
    }
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace ocres::eval::svg
