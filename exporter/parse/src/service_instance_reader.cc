// GET /ServiceInstance: the product version.
#include "document.h"
#include "parse/parser.h"

namespace vb365 {
namespace parse_internal {
namespace {

constexpr auto kServiceInstance = Object<ServiceInstance>(
    nullptr, Required("version", String<&ServiceInstance::version>()));

}  // namespace
}  // namespace parse_internal

Result<ServiceInstance> Parser::ParseServiceInstance(const PaddedBody& body) {
  return impl_->Object<parse_internal::kServiceInstance, ServiceInstance>(body);
}

}  // namespace vb365
