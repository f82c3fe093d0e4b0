#include "svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kvmplan {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", std::round(v * 10) / 10);
  std::string s(buf);
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s == "-0" ? "0" : s;
}

std::string titled(const std::string& title) { return title.empty() ? "" : "<title>" + html_escape(title) + "</title>"; }

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string heat_colour(double fraction) {
  const double f = std::clamp(std::isfinite(fraction) ? fraction : 1.0, 0.0, 1.0);
  return "hsl(" + num(120 * (1 - f)) + ",70%,55%)";
}

Svg::Svg(double width, double height, std::string label) : width_(width), height_(height), label_(std::move(label)) {}

void Svg::rect(double x, double y, double w, double h, const std::string& fill, const std::string& title, const std::string& extra) {
  body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(w, 0.0)) + "\" height=\"" + num(std::max(h, 0.0)) +
           "\" fill=\"" + fill + "\"" + extra + (title.empty() ? "/>" : ">" + titled(title) + "</rect>");
}

void Svg::line(double x1, double y1, double x2, double y2, const std::string& stroke, const std::string& extra) {
  body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\" stroke=\"" + stroke + "\"" + extra + "/>";
}

void Svg::text(double x, double y, const std::string& text, const std::string& anchor, const std::string& cls) {
  body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"" + (anchor == "start" ? "" : " text-anchor=\"" + anchor + "\"") +
           (cls.empty() ? "" : " class=\"" + cls + "\"") + ">" + html_escape(text) + "</text>";
}

void Svg::polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke, const std::string& title,
                   const std::string& extra) {
  std::string p;
  for (const auto& [x, y] : points) p += (p.empty() ? "" : " ") + num(x) + "," + num(y);
  body_ += "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" + stroke + "\" points=\"" + p + "\"" + extra +
           (title.empty() ? "/>" : ">" + titled(title) + "</polyline>");
}

std::string Svg::str() const {
  return "<svg role=\"img\" width=\"" + num(width_) + "\" height=\"" + num(height_) +
         "\" viewBox=\"0 0 " + num(width_) + " " + num(height_) + "\" aria-label=\"" + html_escape(label_) + "\">" + body_ + "</svg>";
}

}  // namespace kvmplan
