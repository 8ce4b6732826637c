// The Fashion-MNIST data set (IDX files, gzip) as Eigen matrices, read with bounds checks.
#pragma once

#include <zlib.h>

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "lowbit/core/error.hpp"

namespace demo {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Split {
  RowMatrix images;             // [n, 784], pixel / 255
  std::vector<int> labels;      // [n], 0..9
};

inline std::vector<std::uint8_t> read_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw lowbit::data_error("cannot open " + path + " (apt-get install dataset-fashion-mnist)");
  std::vector<std::uint8_t> out;
  std::uint8_t buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  const bool failed = n < 0;
  gzclose(f);
  if (failed) throw lowbit::data_error(path + ": corrupt gzip stream");
  return out;
}

inline std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}

/// Reads an IDX images file and its labels file; never trusts the header's sizes.
inline Split load_split(const std::string& images_path, const std::string& labels_path) {
  const auto img = read_gzip(images_path), lab = read_gzip(labels_path);
  if (img.size() < 16 || be32(img, 0) != 0x803) throw lowbit::data_error(images_path + ": not an IDX3 ubyte file");
  if (lab.size() < 8 || be32(lab, 0) != 0x801) throw lowbit::data_error(labels_path + ": not an IDX1 ubyte file");
  const std::size_t n = be32(img, 4), rows = be32(img, 8), cols = be32(img, 12);
  if (rows != 28 || cols != 28 || be32(lab, 4) != n || img.size() != 16 + n * 784 || lab.size() != 8 + n)
    throw lowbit::data_error(images_path + ": sizes in the header do not match the file");
  Split s{RowMatrix(static_cast<Eigen::Index>(n), 784), std::vector<int>(n)};
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < 784; ++j)
      s.images(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = img[16 + i * 784 + j] / 255.0f;
    s.labels[i] = lab[8 + i];
    if (s.labels[i] > 9) throw lowbit::data_error(labels_path + ": label out of range");
  }
  return s;
}

}  // namespace demo
