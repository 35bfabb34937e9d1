// The one translation unit of the alerts tests that compiles Boost.JSON (header-only mode).
#include <boost/json/src.hpp>
