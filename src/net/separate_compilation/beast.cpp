// The one translation unit that compiles Boost.Beast's implementation for yws (see asio.cpp).
#include <boost/beast/src.hpp>
