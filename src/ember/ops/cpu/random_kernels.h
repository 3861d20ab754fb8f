// Random sampling kernels. Each draws from the generator in exactly the order
// and with exactly the arithmetic of torch's CPU kernels (version 1.13), so a
// seeded stream gives torch's numbers bit for bit. Kernels lock the generator
// for the whole fill and run serially: the draw order is the contract.
#pragma once
#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember::cpu {

// Floating dtypes only (the op layer checks).
void uniform_kernel(const Tensor& self, double from, double to, Generator& g);
void normal_kernel(const Tensor& self, double mean, double std, Generator& g);
void exponential_kernel(const Tensor& self, double lambd, Generator& g);
void cauchy_kernel(const Tensor& self, double median, double sigma, Generator& g);
void log_normal_kernel(const Tensor& self, double mean, double std, Generator& g);
// Any numeric dtype.
void geometric_kernel(const Tensor& self, double p, Generator& g);

// Integers in [base, base + range), any dtype; range < 2^64.
void random_from_to_kernel(const Tensor& self, uint64_t range, int64_t base, Generator& g);
// The whole int64 range (int64, float64, float32, bfloat16 only).
void random_full_range_kernel(const Tensor& self, Generator& g);
// random_() without bounds: [0, 2^mantissa] for floats, [0, max] for integers, {0, 1} for bool.
void random_kernel(const Tensor& self, Generator& g);

// self[i] = uniform < p; p is a number or a floating tensor broadcast to self's shape.
void bernoulli_scalar_kernel(const Tensor& self, double p, Generator& g);
void bernoulli_tensor_kernel(const Tensor& self, const Tensor& p, Generator& g);

// out (1-D, n elements, any stride): a random permutation of 0..n-1.
void randperm_kernel(const Tensor& out, int64_t n, Generator& g);
// out (rows, n_sample) int64 from probs (rows, categories), floating, rows >= 1.
void multinomial_with_replacement_kernel(const Tensor& out, const Tensor& probs, int64_t n_sample, Generator& g);
// out[i] ~ Poisson(rates[i]); out and rates share shape and floating dtype.
void poisson_kernel(const Tensor& out, const Tensor& rates, Generator& g);

}  // namespace ember::cpu
