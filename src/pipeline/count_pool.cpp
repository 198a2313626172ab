#include "pipeline/count_pool.hpp"

#include <spdlog/spdlog.h>

namespace aisbf {

CountPool::CountPool(std::size_t threads, std::size_t max_bytes)
    : pool_(std::make_unique<boost::asio::thread_pool>(threads)), max_bytes_(max_bytes) {}

CountPool::~CountPool() { drain(); }

void CountPool::drain() { pool_->join(); }

void CountPool::log_failure(const std::exception& e) { spdlog::error("work on the count pool failed: {}", e.what()); }

}  // namespace aisbf
