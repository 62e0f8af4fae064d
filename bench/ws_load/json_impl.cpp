// Boost.JSON's implementation, compiled once for the load generator (Debian's Boost 1.81 ships
// no libboost_json, so it is used header-only).
#include <boost/json/src.hpp>
