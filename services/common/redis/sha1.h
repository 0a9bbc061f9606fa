// SHA-1, only to name Lua scripts the way Redis does (EVALSHA); not for security.
#pragma once

#include <string>
#include <string_view>

namespace aftersales::redis {

// Lower-case hex digest, 40 characters.
std::string Sha1Hex(std::string_view data);

}  // namespace aftersales::redis
