#include "pipeline/db_pool.hpp"

#include <boost/asio/post.hpp>

namespace aisbf {

void DbPool::post(std::function<void()> fn) { boost::asio::post(pool_, std::move(fn)); }

}  // namespace aisbf
