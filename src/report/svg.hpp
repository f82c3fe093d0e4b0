#pragma once
// A few lines of SVG, drawn by kvmplan for the HTML report: no chart library, nothing fetched.
// Every text that goes in is escaped here; coordinates are in pixels, one decimal at most.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kvmplan {

// &, <, >, " and ' as entities: safe in HTML text, attributes and inline SVG.
std::string html_escape(std::string_view text);

// A colour for a value in [0, 1]: green at 0, yellow at 0.5, red at 1 (clamped).
std::string heat_colour(double fraction);

class Svg {
 public:
  Svg(double width, double height, std::string label);  // label: the chart's accessible name
  void rect(double x, double y, double w, double h, const std::string& fill, const std::string& title = "",
            const std::string& extra = "");
  void line(double x1, double y1, double x2, double y2, const std::string& stroke, const std::string& extra = "");
  void text(double x, double y, const std::string& text, const std::string& anchor = "start", const std::string& cls = "");
  void polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke, const std::string& title = "",
                const std::string& extra = "");
  std::string str() const;

 private:
  double width_, height_;
  std::string label_, body_;
};

}  // namespace kvmplan
