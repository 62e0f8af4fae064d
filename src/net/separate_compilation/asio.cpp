// The one translation unit that compiles Boost.Asio's implementation for yws (targets linking
// yws::net get BOOST_ASIO_SEPARATE_COMPILATION, so their own Asio includes are declarations only).
#include <boost/asio/impl/src.hpp>
