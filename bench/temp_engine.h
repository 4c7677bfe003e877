// An engine in a fresh temporary directory, removed with it: the engine of the benchmarks that
// call the data plane, made as coupond makes its own (the journal on, with the durability given).
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "coupond/engine.h"

namespace coupond {

struct TempEngine {
  std::filesystem::path directory;
  std::unique_ptr<Engine> engine;

  explicit TempEngine(const char* name, Durability durability = Durability::group) {
    std::string pattern = (std::filesystem::temp_directory_path() / name).string() + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    directory = pattern;
    EngineOptions options;
    options.data_dir = directory;
    options.durability = durability;
    if (!Engine::open(options, &engine).is_ok()) std::abort();
  }
  ~TempEngine() {
    engine.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  }
  TempEngine(const TempEngine&) = delete;
  TempEngine& operator=(const TempEngine&) = delete;
};

}  // namespace coupond
