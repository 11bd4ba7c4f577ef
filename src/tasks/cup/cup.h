#pragma once
#include <memory>

#include "sim/task.h"

namespace ocres::tasks {
std::unique_ptr<sim::Task> make_cup_task();
}
