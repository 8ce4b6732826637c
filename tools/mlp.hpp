// A 784-256-10 ReLU MLP trained with minibatch SGD + momentum on Eigen, deterministically.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "fashion_mnist.hpp"

namespace demo {

struct Mlp {
  RowMatrix w1, w2;  // [256, 784], [10, 256]: [out, in], the layout lowbit quantizes along `in`
  Eigen::VectorXf b1, b2;
};

/// Logits of a batch: relu(x w1^T + b1) w2^T + b2.
inline RowMatrix forward(const RowMatrix& x, const RowMatrix& w1, const Eigen::VectorXf& b1, const RowMatrix& w2,
                         const Eigen::VectorXf& b2, RowMatrix* hidden = nullptr) {
  RowMatrix h = ((x * w1.transpose()).rowwise() + b1.transpose()).cwiseMax(0.0f);
  RowMatrix out = (h * w2.transpose()).rowwise() + b2.transpose();
  if (hidden != nullptr) *hidden = std::move(h);
  return out;
}

/// Fraction of `s` classified right with the given weights (biases from m).
inline double accuracy(const Split& s, const RowMatrix& w1, const RowMatrix& w2, const Mlp& m) {
  const RowMatrix logits = forward(s.images, w1, m.b1, w2, m.b2);
  std::size_t right = 0;
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    Eigen::Index arg = 0;
    logits.row(i).maxCoeff(&arg);
    right += arg == s.labels[static_cast<std::size_t>(i)];
  }
  return static_cast<double>(right) / static_cast<double>(logits.rows());
}

inline Mlp train(const Split& train, int epochs, unsigned seed) {
  std::mt19937 rng(seed);
  auto he = [&](Eigen::Index rows, Eigen::Index cols) {
    std::normal_distribution<float> nd(0.0f, std::sqrt(2.0f / static_cast<float>(cols)));
    RowMatrix w(rows, cols);
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = nd(rng);
    return w;
  };
  Mlp m{he(256, 784), he(10, 256), Eigen::VectorXf::Zero(256), Eigen::VectorXf::Zero(10)};
  RowMatrix v1 = RowMatrix::Zero(256, 784), v2 = RowMatrix::Zero(10, 256);
  Eigen::VectorXf vb1 = Eigen::VectorXf::Zero(256), vb2 = Eigen::VectorXf::Zero(10);
  const Eigen::Index batch = 128, n = train.images.rows();
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  RowMatrix x(batch, 784), h;
  const float momentum = 0.9f;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    const float lr = 0.05f * (epoch + 1 == epochs ? 0.2f : 1.0f);
    for (Eigen::Index start = 0; start + batch <= n; start += batch) {
      std::vector<int> y(static_cast<std::size_t>(batch));
      for (Eigen::Index i = 0; i < batch; ++i) {
        const Eigen::Index k = order[static_cast<std::size_t>(start + i)];
        x.row(i) = train.images.row(k);
        y[static_cast<std::size_t>(i)] = train.labels[static_cast<std::size_t>(k)];
      }
      RowMatrix g = forward(x, m.w1, m.b1, m.w2, m.b2, &h);  // logits -> dLoss/dlogits
      for (Eigen::Index i = 0; i < batch; ++i) {
        g.row(i) = (g.row(i).array() - g.row(i).maxCoeff()).exp();
        g.row(i) /= g.row(i).sum();
        g(i, y[static_cast<std::size_t>(i)]) -= 1.0f;
      }
      g /= static_cast<float>(batch);
      const RowMatrix dh = (g * m.w2).cwiseProduct((h.array() > 0.0f).cast<float>().matrix());
      v2 = momentum * v2 - lr * (g.transpose() * h);
      vb2 = momentum * vb2 - lr * g.colwise().sum().transpose();
      v1 = momentum * v1 - lr * (dh.transpose() * x);
      vb1 = momentum * vb1 - lr * dh.colwise().sum().transpose();
      m.w2 += v2;
      m.b2 += vb2;
      m.w1 += v1;
      m.b1 += vb1;
    }
  }
  return m;
}

}  // namespace demo
