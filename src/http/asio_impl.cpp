// The one translation unit that compiles Asio, Asio.SSL and Beast
// (BOOST_*_SEPARATE_COMPILATION): every other file only parses declarations,
// which keeps each I/O file's compile time and memory bounded.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
