// report.md and timeline.md of an evidence package: pure functions of the
// index and the selected events (ascending by seq). Informative renderings,
// written at export (docs/package.md "Renderings").
#pragma once

#include <string>
#include <vector>

#include "evidence/package.h"

namespace custody::package {

std::string ReportMarkdown(const Index& index, const std::vector<const SignedEvent*>& events);
std::string TimelineMarkdown(const Index& index, const std::vector<const SignedEvent*>& events);

}  // namespace custody::package
