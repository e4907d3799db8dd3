// A whole sampling run of a stacked-LSTM language model as one TensorFlow CPU op.
//
// `zoo.Sampler` generates as one XLA-compiled while loop. At batch 1 a token there costs its
// matrix-vector products (the weights read once: about 1.3 MB for a 1 x 256 LSTM character
// model) plus the loop's few dozen small ops, and one core does it all. `SeqzooLstmSample` runs
// the same loop in C++ on up to two threads: it feeds the prime, then at every step advances
// each layer, computes the logits, scales and filters them (temperature, top-k, top-p, as
// `zoo.logits.filter_logits`) and picks the next token, until `length` tokens or every row
// has met `eos_id`.
//
// The pick is the rule XLA's `stateless_categorical` uses: the first argmax of
// `logits - log(-log(u))` over uniforms `u` in (0, 1). The op draws them as XLA's
// `tf.random.stateless_uniform(shape=(batch, 1, vocab), seed=(seed, step), minval=tiny)` does
// on a CPU (`Uniforms` below: Philox-4x32-10 with XLA's key scrambling, counter layout and
// mantissa conversion), so a seed gives the XLA loop's tokens, up to float rounding at
// near-ties. Greedy is the first argmax of the logits.
//
// With two threads each owns half of every layer's units: its columns of the four gates of
// `[kernel; recurrent_kernel]` are packed once per call into one contiguous block (half the
// weights, so each half can stay in its own core's L2), it computes those units' gates, carry
// and output for every row, four rows per load of the weights, and the threads meet at a
// barrier after each layer; then each computes the logits and picks the tokens of its share
// of the rows, and they meet again before the next step. At one row a thread with a large
// vocabulary the threads split the logits' columns instead, and at batch 1 a weight block too
// big for the cache is streamed row by row (`Wide`) rather than read in column blocks. The
// math is the Keras cell's:
// z = x @ kernel + h @ recurrent_kernel + bias, gate order i, f, c, o,
// c' = sigmoid(f) * c + sigmoid(i) * tanh(g), h' = sigmoid(o) * tanh(c'), all in float32.
//
// The first layer's input term comes one of two ways. Given the token table
// `embedding @ kernel_0 + bias_0` (vocab, 4 U_0), a step adds the fed token's row (its columns
// are packed per call, vocab x 4 U_0 floats: worth it when the run feeds many tokens). Given
// the embedding itself and kernel_0, bias_0 like a deeper layer's, a step multiplies the fed
// token's embedding row by kernel_0 (nothing vocab-sized is packed: for short runs of large
// vocabularies). The dense kernel is read in place when vocab is a multiple of 16.
//
// Every input is checked before it is read, with an InvalidArgument error naming it: the
// scalars have rank 0, `temperature` is finite and > 0, `top_p` in (0, 1], `top_k` >= 1,
// `length` >= 0 (all as the float32 / int32 the op receives, whether a filter is on or not),
// the shapes agree, the prime's ids and `pad_id` are in [0, vocab), and no buffer would hold
// over 2**56 elements. `eos_id` may be any int: one outside [0, vocab) (-1 by convention)
// never matches, so rows run to `length`. Every buffer is allocated before the threads start;
// a failed allocation is a ResourceExhausted error and a thread that cannot start an Internal
// one (`Guarded`), never std::terminate.
//
// NaN logits, as `zoo.logits.choose_tokens` treats them on the XLA path: a NaN logit counts
// as -inf, so it is never chosen (greedy or drawn) while any other token is allowed; a row
// whose logits are all NaN or -inf gets token 0. The row's log-probability (`scored`) becomes
// NaN, as XLA's log-softmax gives.
//
// `SeqzooPhiloxUniform(seed, step, shape)` returns the uniforms the sampler draws for
// `(seed, step)`, from the same C++ function, so a test can compare them with XLA's.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "seqzoo_ops.h"

namespace {

using namespace seqzoo;  // NOLINT: the shared short names

constexpr int kLanes = 16;  // floats in one 64-byte vector
typedef float Vec __attribute__((vector_size(64)));
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

inline int64_t Padded(int64_t n) { return (n + kLanes - 1) / kLanes * kLanes; }

inline Vec Load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline void Store(float* p, Vec v) { std::memcpy(p, &v, sizeof(v)); }

// 64-byte-aligned float storage.
struct Floats {
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data;
  size_t bytes = 0;
  // Room for n <= kMaxElements floats, not cleared; throws std::bad_alloc when refused.
  void Allocate(int64_t n) {
    bytes = (static_cast<size_t>(std::max<int64_t>(n, 1)) * 4 + 63) / 64 * 64;
    data.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    if (data == nullptr) throw std::bad_alloc();
  }
  void Clear() { std::memset(data.get(), 0, bytes); }
  void Resize(int64_t n) {
    Allocate(n);
    Clear();
  }
  float* get() const { return data.get(); }
};

// For R rows at once: out_r[0:16 NV] = init_r[0:16 NV] + sum_i v_r[i] * w[i * stride :][0:16 NV]
// (v_r = v + r * v_stride): each 16 NV columns of a weight row are loaded once for R rows.
template <int R, int NV>
inline void Block(const float* v, int64_t v_stride, int64_t depth, const float* w,
                  int64_t stride, const float* const* init, float* const* out, int64_t j) {
  Vec acc[R][NV];
  for (int r = 0; r < R; ++r) {
    for (int k = 0; k < NV; ++k) acc[r][k] = Load(init[r] + j + k * kLanes);
  }
  for (int64_t i = 0; i < depth; ++i) {
    const float* row = w + i * stride + j;
    Vec weight[NV];
    for (int k = 0; k < NV; ++k) weight[k] = Load(row + k * kLanes);
    for (int r = 0; r < R; ++r) {
      const float x = v[r * v_stride + i];
      for (int k = 0; k < NV; ++k) acc[r][k] += x * weight[k];
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int k = 0; k < NV; ++k) Store(out[r] + j + k * kLanes, acc[r][k]);
  }
}

// R rows over all `cols` columns (a multiple of 16), in column blocks of up to 16 MAX vectors.
template <int R, int MAX>
void Rows(const float* v, int64_t v_stride, int64_t depth, const float* w, int64_t cols,
          const float* const* init, float* const* out) {
  int64_t j = 0;
  while (j < cols) {
    const int64_t vectors = (cols - j) / kLanes;
    if (MAX >= 16 && vectors >= 16) {
      Block<R, (MAX >= 16 ? 16 : 1)>(v, v_stride, depth, w, cols, init, out, j);
      j += 16 * kLanes;
    } else if (MAX >= 8 && vectors >= 8) {
      Block<R, (MAX >= 8 ? 8 : 1)>(v, v_stride, depth, w, cols, init, out, j);
      j += 8 * kLanes;
    } else if (vectors >= 4) {
      Block<R, 4>(v, v_stride, depth, w, cols, init, out, j);
      j += 4 * kLanes;
    } else if (vectors >= 2) {
      Block<R, 2>(v, v_stride, depth, w, cols, init, out, j);
      j += 2 * kLanes;
    } else {
      Block<R, 1>(v, v_stride, depth, w, cols, init, out, j);
      j += kLanes;
    }
  }
}

// out_r = init_r + v_r @ w for `rows` rows (v_r = v + r * v_stride, w (depth, cols)), four rows
// at a time so that each weight is read once per four rows.
void MatMul(const float* v, int64_t v_stride, int64_t rows, int64_t depth, const float* w,
            int64_t cols, const float* const* init, float* const* out) {
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) Rows<4, 4>(v + r * v_stride, v_stride, depth, w, cols, init + r, out + r);
  switch (rows - r) {
    case 3: Rows<3, 4>(v + r * v_stride, v_stride, depth, w, cols, init + r, out + r); break;
    case 2: Rows<2, 8>(v + r * v_stride, v_stride, depth, w, cols, init + r, out + r); break;
    case 1: Rows<1, 16>(v + r * v_stride, v_stride, depth, w, cols, init + r, out + r); break;
    default: break;
  }
}

// out_r = init_r + v_r @ w like MatMul (w's rows `stride` floats apart), one Eigen
// matrix-vector product per row, which streams each weight row: for a single row of a weight
// matrix too big for the cache (over kWideFloats) it reads the weights about 3x as fast as
// MatMul's blocks of 256 columns (measured on 2 cores for a (1,024, 50,000) dense kernel), whose
// every weight row starts a new page. `init_r` may be `out_r`.
constexpr int64_t kWideFloats = 256 * 1024;
void Wide(const float* v, int64_t v_stride, int64_t rows, int64_t depth, const float* w, int64_t cols,
          int64_t stride, const float* const* init, float* const* out) {
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Row = Eigen::Matrix<float, 1, Eigen::Dynamic>;
  const Eigen::Map<const Matrix, 0, Eigen::OuterStride<>> weights(w, depth, cols, Eigen::OuterStride<>(stride));
  for (int64_t r = 0; r < rows; ++r) {
    Eigen::Map<Row> o(out[r], cols);
    if (init[r] != out[r]) o = Eigen::Map<const Row>(init[r], cols);
    o.noalias() += Eigen::Map<const Row>(v + r * v_stride, depth) * weights;
  }
}

// Philox-4x32-10 (Salmon et al., SC 2011): 10 rounds of the counter under the key.
inline void Philox(uint32_t x[4], uint32_t k0, uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t{0xD2511F53u} * x[0], p1 = uint64_t{0xCD9E8D57u} * x[2];
    const uint32_t y0 = static_cast<uint32_t>(p1 >> 32) ^ x[1] ^ k0;
    const uint32_t y2 = static_cast<uint32_t>(p0 >> 32) ^ x[3] ^ k1;
    x[0] = y0;
    x[1] = static_cast<uint32_t>(p1);
    x[2] = y2;
    x[3] = static_cast<uint32_t>(p0);
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
}

// Elements first .. first + n - 1 of the floats XLA's CPU `stateless_uniform` draws for seed
// (seed0, seed1) and minval = the smallest normal float, maxval = 1: the seed is scrambled
// into a key and a 128-bit counter, counter + i gives elements 4i .. 4i + 3, and each word's
// top 23 bits are the mantissa of a float in [0, 1).
void Uniforms(int32_t seed0, int32_t seed1, int64_t first, int64_t n, float* out) {
  uint32_t mix[4] = {static_cast<uint32_t>(seed0), 0, static_cast<uint32_t>(seed1), 0};
  Philox(mix, 0x3ec8f720u, 0x02461e29u);
  const uint32_t k0 = mix[0], k1 = mix[1];
  const uint64_t high = uint64_t{mix[2]} | (uint64_t{mix[3]} << 32);
  const float tiny = std::numeric_limits<float>::min();
  for (int64_t i = first / 4; 4 * i < first + n; ++i) {
    const uint64_t low = static_cast<uint64_t>(i);  // the scrambled counter's low half is 0
    uint32_t x[4] = {static_cast<uint32_t>(low), static_cast<uint32_t>(low >> 32),
                     static_cast<uint32_t>(high), static_cast<uint32_t>(high >> 32)};
    Philox(x, k0, k1);
    for (int w = 0; w < 4; ++w) {
      const int64_t e = 4 * i + w;
      if (e < first || e >= first + n) continue;
      const float value = static_cast<float>(x[w] >> 9) * (1.0f / 8388608.0f);
      out[e - first] = value * (1.0f - tiny) + tiny;
    }
  }
}

inline void Pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// A reusable barrier for a fixed number of threads: spins briefly, then yields. A thread
// that fails calls Abort: every Wait then returns false at once, so no thread waits forever.
class Barrier {
 public:
  explicit Barrier(int threads) : threads_(threads) {}
  bool Wait() {
    if (threads_ == 1) return !aborted_.load(std::memory_order_acquire);
    const int generation = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == threads_ - 1) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      return !aborted_.load(std::memory_order_acquire);
    }
    for (int spin = 0; generation_.load(std::memory_order_acquire) == generation; ++spin) {
      if (aborted_.load(std::memory_order_acquire)) return false;
      if (spin < 20000) {
        Pause();
      } else {
        std::this_thread::yield();
      }
    }
    return !aborted_.load(std::memory_order_acquire);
  }
  void Abort() { aborted_.store(true, std::memory_order_release); }

 private:
  const int threads_;
  std::atomic<int> arrived_{0};
  std::atomic<int> generation_{0};
  std::atomic<bool> aborted_{false};
};

// One thread's share of one layer: units [first, first + count) of every gate.
struct Part {
  int64_t first = 0, count = 0, cols = 0;  // cols = Padded(4 * count)
  int64_t inputs = 0;                      // rows of the kernel part (0: layer 0 with a table)
  Floats weights;  // (inputs + units, cols): [kernel; recurrent_kernel], this part's columns
  Floats init;     // layer 0 with a table: (vocab, cols) table rows; else (cols,) bias
  Floats z;        // (cols,) scratch
  Floats x;        // layer 0 with the embedding: (batch, inputs), the fed tokens' rows
};

// Copies columns g * units + first .. + count of each gate g of the row-major `source`
// (rows, 4 units) into `packed` (rows, cols) as [i | f | c | o] of this part.
void PackColumns(const float* source, int64_t rows, int64_t units, const Part& part,
                 float* packed) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int g = 0; g < 4; ++g) {
      std::memcpy(packed + r * part.cols + g * part.count,
                  source + r * 4 * units + g * units + part.first, part.count * 4);
    }
  }
}

struct Settings {
  bool greedy = false, use_top_k = false, use_top_p = false, scored = false;
  float temperature = 1, top_p = 1;
  int64_t top_k = 1, length = 0;
  int32_t eos_id = -1, pad_id = 0;
};

// Descending order with NaN last: a strict weak ordering even when NaN is present (a plain
// `a > b` is not one, and std::sort with it is undefined behaviour).
inline bool Before(float a, float b) { return a > b || (!std::isnan(a) && std::isnan(b)); }

// Scales and filters one row of logits as zoo.logits.filter_logits does (a NaN logit counts
// as -inf); writes `filtered`. `ranked` and `probs` hold `vocab` floats (no allocation here).
void FilterLogits(const float* logits, int64_t vocab, const Settings& s, float* filtered,
                  std::vector<float>& ranked, std::vector<float>& probs) {
  for (int64_t v = 0; v < vocab; ++v) {
    filtered[v] = std::isnan(logits[v]) ? kNegInf : logits[v] / s.temperature;
  }
  if (!s.use_top_k && !s.use_top_p) return;
  std::copy(filtered, filtered + vocab, ranked.begin());
  std::sort(ranked.begin(), ranked.begin() + vocab, Before);
  float threshold = ranked[vocab - 1];
  if (s.use_top_k) threshold = std::max(threshold, ranked[std::min(s.top_k, vocab) - 1]);
  if (s.use_top_p) {  // 0 < top_p: rank 0 is always kept, so kept >= 1
    const float top = ranked[0];
    float total = 0;
    for (int64_t v = 0; v < vocab; ++v) {
      probs[v] = ranked[v] >= threshold ? std::exp(ranked[v] - top) : 0.0f;
      total += probs[v];
    }
    float before = 0;
    int64_t kept = 0;
    for (int64_t v = 0; v < vocab; ++v) {  // mass strictly above each rank
      if (before < s.top_p) ++kept;
      before += probs[v] / total;
    }
    threshold = std::max(threshold, ranked[kept - 1]);
  }
  for (int64_t v = 0; v < vocab; ++v) {
    if (!(filtered[v] >= threshold)) filtered[v] = kNegInf;
  }
}

// The first index of the largest value, NaN counting as -inf: 0 when every value is NaN or
// -inf (as XLA's argmax and stateless_categorical give on such a row).
int64_t FirstArgmax(const float* x, int64_t n) {
  int64_t best = 0;
  float largest = kNegInf;
  for (int64_t v = 0; v < n; ++v) {
    if (x[v] > largest) {
      largest = x[v];
      best = v;
    }
  }
  return best;
}

// log_softmax(logits)[index]; NaN when any logit is NaN (as XLA's log-softmax).
float LogSoftmaxAt(const float* logits, int64_t vocab, int64_t index) {
  float top = kNegInf;
  for (int64_t v = 0; v < vocab; ++v) {
    if (std::isnan(logits[v])) return std::numeric_limits<float>::quiet_NaN();
    top = std::max(top, logits[v]);
  }
  float total = 0;
  for (int64_t v = 0; v < vocab; ++v) total += std::exp(logits[v] - top);
  return logits[index] - top - std::log(total);
}

REGISTER_OP("SeqzooLstmSample")
    .Input("table: float")              // (vocab, 4 U_0): embedding @ kernel_0 + bias_0, or
                                        // (vocab, E): the embedding, when kernels has `layers`
    .Input("recurrent: layers * float")  // (U_l, 4 U_l)
    .Input("kernels: deeper * float")    // layers 1 .. (or 0 ..): (U_{l-1} or E, 4 U_l)
    .Input("biases: deeper * float")     // layers 1 .. (or 0 ..): (4 U_l,)
    .Input("dense_kernel: float")       // (U_top, vocab)
    .Input("dense_bias: float")         // (vocab,)
    .Input("h: layers * float")         // (batch, U_l)
    .Input("c: layers * float")         // (batch, U_l)
    .Input("prime: int32")              // (batch, prime_len >= 1)
    .Input("seed: int32")               // step t draws with seed (seed, t)
    .Input("length: int32")
    .Input("temperature: float")
    .Input("top_k: int32")
    .Input("top_p: float")
    .Input("eos_id: int32")             // -1 (or any id outside [0, vocab)): none
    .Input("pad_id: int32")
    .Output("tokens: int32")            // (batch, length), pad_id after a row's end
    .Output("lengths: int32")           // (batch,)
    .Output("log_probs: float")         // (batch,): 0 unless scored
    .Output("h_out: layers * float")
    .Output("c_out: layers * float")
    .Attr("layers: int >= 1")
    .Attr("deeper: int >= 0")
    .Attr("greedy: bool = false")
    .Attr("use_top_k: bool = false")
    .Attr("use_top_p: bool = false")
    .Attr("scored: bool = false")
    .Attr("threads: int >= 1 = 1")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      int layers;
      TF_RETURN_IF_ERROR(c->GetAttr("layers", &layers));
      int deeper;
      TF_RETURN_IF_ERROR(c->GetAttr("deeper", &deeper));
      const int prime_index = 1 + layers + 2 * deeper + 2 + 2 * layers;
      shape_inference::ShapeHandle prime;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(prime_index), 2, &prime));
      c->set_output(0, c->Matrix(c->Dim(prime, 0), c->UnknownDim()));
      c->set_output(1, c->Vector(c->Dim(prime, 0)));
      c->set_output(2, c->Vector(c->Dim(prime, 0)));
      for (int i = 0; i < 2 * layers; ++i) c->set_output(3 + i, c->input(1 + layers + 2 * deeper + 2 + i));
      return absl::OkStatus();
    });

class LstmSample : public OpKernel {
 public:
  explicit LstmSample(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("greedy", &settings_.greedy));
    OP_REQUIRES_OK(context, context->GetAttr("use_top_k", &settings_.use_top_k));
    OP_REQUIRES_OK(context, context->GetAttr("use_top_p", &settings_.use_top_p));
    OP_REQUIRES_OK(context, context->GetAttr("scored", &settings_.scored));
    OP_REQUIRES_OK(context, context->GetAttr("threads", &threads_));
    threads_ = std::min(threads_, 2);
  }

  void Compute(OpKernelContext* context) override {
    Guarded(context, "SeqzooLstmSample", [&] { Run(context); });
  }

 private:
  void Run(OpKernelContext* context) {
    OpInputList recurrent, kernels, biases, h_in, c_in;
    OP_REQUIRES_OK(context, context->input_list("recurrent", &recurrent));
    OP_REQUIRES_OK(context, context->input_list("kernels", &kernels));
    OP_REQUIRES_OK(context, context->input_list("biases", &biases));
    OP_REQUIRES_OK(context, context->input_list("h", &h_in));
    OP_REQUIRES_OK(context, context->input_list("c", &c_in));
    const Tensor& table = context->input(0);
    const Tensor *dense_kernel, *dense_bias, *prime_t;
    OP_REQUIRES_OK(context, context->input("dense_kernel", &dense_kernel));
    OP_REQUIRES_OK(context, context->input("dense_bias", &dense_bias));
    OP_REQUIRES_OK(context, context->input("prime", &prime_t));
    Settings s = settings_;
    int32_t length = 0, top_k = 1, seed = 0;
    OP_REQUIRES_OK(context, ScalarInput(context, "seed", &seed));
    OP_REQUIRES_OK(context, ScalarInput(context, "length", &length));
    OP_REQUIRES_OK(context, ScalarInput(context, "temperature", &s.temperature));
    OP_REQUIRES_OK(context, ScalarInput(context, "top_k", &top_k));
    OP_REQUIRES_OK(context, ScalarInput(context, "top_p", &s.top_p));
    OP_REQUIRES_OK(context, ScalarInput(context, "eos_id", &s.eos_id));
    OP_REQUIRES_OK(context, ScalarInput(context, "pad_id", &s.pad_id));
    OP_REQUIRES(context, length >= 0, Invalid("length must be >= 0, got ", length));
    OP_REQUIRES(context, std::isfinite(s.temperature) && s.temperature > 0,
                Invalid("temperature must be finite and > 0, got ", s.temperature));
    OP_REQUIRES(context, s.top_p > 0 && s.top_p <= 1, Invalid("top_p must be in (0, 1], got ", s.top_p));
    OP_REQUIRES(context, top_k >= 1, Invalid("top_k must be >= 1, got ", top_k));
    s.length = length;
    s.top_k = top_k;

    const int layers = recurrent.size();
    // One kernel and bias per layer: `table` is the embedding, and each step projects the fed
    // tokens' rows (cheaper than packing a (vocab, 4 U_0) table when vocab is large).
    const bool embedded = kernels.size() == layers;
    OP_REQUIRES(context, (embedded || kernels.size() == layers - 1) && biases.size() == kernels.size(),
                absl::InvalidArgumentError("kernels and biases must hold one tensor per layer after the first "
                                           "(or one per layer, with the embedding as table)"));
    OP_REQUIRES(context, prime_t->dims() == 2 && prime_t->dim_size(1) >= 1,
                Invalid("prime must be (batch, prime_len >= 1), got shape ", prime_t->shape().DebugString()));
    const int64_t batch = prime_t->dim_size(0), prime_len = prime_t->dim_size(1);
    OP_REQUIRES(context, table.dims() == 2, absl::InvalidArgumentError("table must be (vocab, 4 * units)"));
    const int64_t vocab = table.dim_size(0);
    std::vector<int64_t> units(layers);
    int64_t size = 0;  // each product below: a buffer's elements, checked before it is made
    for (int l = 0; l < layers; ++l) {
      const std::string at = "[" + std::to_string(l) + "]";
      units[l] = recurrent[l].dims() == 2 ? recurrent[l].dim_size(0) : -1;
      OP_REQUIRES(context, units[l] >= 1 && Product({4, units[l]}, &size) && recurrent[l].dim_size(1) == size,
                  Invalid("recurrent", at, " must be (units >= 1, 4 * units), got shape ",
                          recurrent[l].shape().DebugString()));
      OP_REQUIRES(context, h_in[l].shape() == TensorShape({batch, units[l]}) &&
                               c_in[l].shape() == TensorShape({batch, units[l]}),
                  Invalid("h", at, " and c", at, " must be (batch, units)"));
      const int64_t inputs = l > 0 ? units[l - 1] : embedded ? table.dim_size(1) : 0;
      const int kl = embedded ? l : l - 1;  // this layer's kernel and bias, when it has them
      if (inputs > 0) {
        OP_REQUIRES(context, kernels[kl].shape() == TensorShape({inputs, 4 * units[l]}) &&
                                 biases[kl].shape() == TensorShape({4 * units[l]}),
                    Invalid("kernels[", kl, "] must be (units below, 4 * units) and biases[", kl,
                            "] (4 * units,)"));
      }
      const int64_t cols = Padded(4 * units[l]);
      OP_REQUIRES(context, Product({inputs + units[l], cols}, &size) && Product({batch, cols}, &size) &&
                               Product({2, batch, units[l]}, &size) && Product({batch, inputs}, &size) &&
                               (inputs > 0 || Product({vocab, cols}, &size)),
                  Invalid("layer ", l, " is too large: a buffer would hold over 2**56 elements"));
    }
    OP_REQUIRES(context, embedded ? table.dim_size(1) >= 1 : table.dim_size(1) == 4 * units[0],
                absl::InvalidArgumentError(embedded ? "table must be the embedding (vocab, dim >= 1)"
                                                    : "table must be (vocab, 4 * units of layer 0)"));
    const int64_t top = units[layers - 1];
    OP_REQUIRES(context, dense_kernel->shape() == TensorShape({top, vocab}) &&
                             dense_bias->shape() == TensorShape({vocab}),
                absl::InvalidArgumentError("dense_kernel must be (units of the top layer, vocab) and dense_bias (vocab,)"));
    const int64_t logit_cols = Padded(vocab);
    OP_REQUIRES(context, Product({batch, length}, &size) && Product({batch, logit_cols}, &size) &&
                             Product({top, logit_cols}, &size),
                Invalid("too large: batch ", batch, " x length ", length, " or x vocab ", vocab,
                        " would hold over 2**56 elements"));
    OP_REQUIRES(context, s.pad_id >= 0 && s.pad_id < vocab,
                Invalid("pad_id out of range [0, ", vocab, "), got ", s.pad_id));
    const int32_t* prime = prime_t->flat<int32_t>().data();
    for (int64_t i = 0; i < batch * prime_len; ++i) {
      OP_REQUIRES(context, prime[i] >= 0 && prime[i] < vocab,
                  Invalid("prime token ", prime[i], " out of range [0, ", vocab, ")"));
    }

    Tensor *tokens_t, *lengths_t, *log_probs_t;
    OP_REQUIRES_OK(context, context->allocate_output(0, TensorShape({batch, s.length}), &tokens_t));
    OP_REQUIRES_OK(context, context->allocate_output(1, TensorShape({batch}), &lengths_t));
    OP_REQUIRES_OK(context, context->allocate_output(2, TensorShape({batch}), &log_probs_t));
    OpOutputList h_out, c_out;
    OP_REQUIRES_OK(context, context->output_list("h_out", &h_out));
    OP_REQUIRES_OK(context, context->output_list("c_out", &c_out));
    std::vector<float*> carry(layers);
    std::vector<Floats> hidden(layers);  // (2, batch, units): the state read and the one written
    for (int l = 0; l < layers; ++l) {
      Tensor* c_t;
      OP_REQUIRES_OK(context, c_out.allocate(l, TensorShape({batch, units[l]}), &c_t));
      carry[l] = c_t->flat<float>().data();
      std::memcpy(carry[l], c_in[l].flat<float>().data(), batch * units[l] * 4);
      hidden[l].Resize(2 * batch * units[l]);
      std::memcpy(hidden[l].get(), h_in[l].flat<float>().data(), batch * units[l] * 4);
    }

    // Every buffer is allocated here, before a thread starts (a failure throws std::bad_alloc
    // with nothing running); each thread clears and packs its own parts (its columns), so
    // they start in its cache.
    const int threads = threads_;
    std::vector<std::vector<Part>> parts(threads);
    for (int thread = 0; thread < threads; ++thread) {
      parts[thread].resize(layers);
      for (int l = 0; l < layers; ++l) {
        Part& part = parts[thread][l];
        part.first = units[l] * thread / threads;
        part.count = units[l] * (thread + 1) / threads - part.first;
        part.cols = Padded(4 * part.count);
        part.inputs = l > 0 ? units[l - 1] : embedded ? table.dim_size(1) : 0;
        part.weights.Allocate((part.inputs + units[l]) * part.cols);
        part.init.Allocate(part.inputs == 0 ? vocab * part.cols : part.cols);
        if (l == 0 && embedded) part.x.Allocate(batch * part.inputs);
        part.z.Allocate(batch * part.cols);
      }
    }
    // The dense kernel is read in place when vocab is a multiple of 16, else copied with each
    // row padded to a multiple of 16 columns.
    Floats dense, dense_init, logits;
    const float* dense_w = dense_kernel->flat<float>().data();
    dense_init.Resize(logit_cols);
    logits.Resize(batch * logit_cols);
    if (logit_cols != vocab) {
      dense.Resize(top * logit_cols);
      for (int64_t r = 0; r < top; ++r) {
        std::memcpy(dense.get() + r * logit_cols, dense_kernel->flat<float>().data() + r * vocab, vocab * 4);
      }
      dense_w = dense.get();
    }
    std::memcpy(dense_init.get(), dense_bias->flat<float>().data(), vocab * 4);

    int32_t* tokens = tokens_t->flat<int32_t>().data();
    int32_t* lengths = lengths_t->flat<int32_t>().data();
    float* log_probs = log_probs_t->flat<float>().data();
    std::fill(tokens, tokens + batch * s.length, s.pad_id);
    std::fill(lengths, lengths + batch, 0);
    std::fill(log_probs, log_probs + batch, 0.0f);
    std::vector<int32_t> fed(batch);
    std::vector<char> done(batch, 0);
    Barrier barrier(threads);
    int final_read = 0;

    auto pack = [&](int thread) {
      for (int l = 0; l < layers; ++l) {
        Part& part = parts[thread][l];
        // Every buffer starts zeroed: the padding columns of z are computed with the rest, and
        // garbage there (denormals, NaN) slows every step several times over.
        part.weights.Clear();
        part.init.Clear();
        part.z.Clear();
        if (part.x.get() != nullptr) part.x.Clear();
        const int kl = embedded ? l : l - 1;  // this layer's kernel and bias, when it has them
        if (part.inputs > 0) PackColumns(kernels[kl].flat<float>().data(), part.inputs, units[l], part, part.weights.get());
        PackColumns(recurrent[l].flat<float>().data(), units[l], units[l], part,
                    part.weights.get() + part.inputs * part.cols);
        if (part.inputs == 0) {
          PackColumns(table.flat<float>().data(), vocab, units[0], part, part.init.get());
        } else {
          PackColumns(biases[kl].flat<float>().data(), 1, units[l], part, part.init.get());
        }
      }
    };

    // Each thread's scratch, sized now: the pick allocates nothing.
    struct Scratch {
      std::vector<float> ranked, probs, filtered, uniforms;
    };
    std::vector<Scratch> scratch(threads);
    for (int thread = 0; thread < threads; ++thread) {
      Scratch& own = scratch[thread];
      own.filtered.resize(vocab);
      if (!s.greedy && (s.use_top_k || s.use_top_p)) {
        own.ranked.resize(vocab);
        own.probs.resize(vocab);
      }
      const int64_t rows = batch * (thread + 1) / threads - batch * thread / threads;
      if (!s.greedy) own.uniforms.resize(rows * vocab);
    }
    std::vector<std::vector<const float*>> inits(threads, std::vector<const float*>(batch));
    std::vector<std::vector<float*>> outs(threads, std::vector<float*>(batch));

    // Advances every layer of every row by the tokens `fed`; reads state buffer `read`. Each
    // thread computes its units of every row; the threads meet after each layer. False when
    // the other thread failed.
    auto advance = [&](int thread, const int32_t* fed_tokens, int64_t fed_stride, int read) {
      const float** init = inits[thread].data();
      float** out = outs[thread].data();
      for (int l = 0; l < layers; ++l) {
        Part& part = parts[thread][l];
        const int64_t n = units[l], k = part.count;
        const float* h_read = hidden[l].get() + read * batch * n;
        float* h_write = hidden[l].get() + (1 - read) * batch * n;
        float* z = part.z.get();
        const float* x = l > 0 ? hidden[l - 1].get() + (1 - read) * batch * units[l - 1] : part.x.get();
        for (int64_t row = 0; row < batch; ++row) {
          const int64_t token = l == 0 ? fed_tokens[row * fed_stride] : 0;
          out[row] = z + row * part.cols;
          init[row] = part.inputs == 0 ? part.init.get() + token * part.cols : part.init.get();
          if (l == 0 && part.inputs > 0) {  // the embedding's row of the fed token
            std::memcpy(part.x.get() + row * part.inputs, table.flat<float>().data() + token * part.inputs,
                        part.inputs * 4);
          }
        }
        // One row of weights too big for the cache: streamed (Wide); else in blocks (MatMul).
        const bool wide = batch == 1 && (part.inputs + n) * part.cols > kWideFloats;
        auto product = [&](const float* v, int64_t v_stride, int64_t depth, const float* w,
                           const float* const* in, float* const* to) {
          if (wide) {
            Wide(v, v_stride, batch, depth, w, part.cols, part.cols, in, to);
          } else {
            MatMul(v, v_stride, batch, depth, w, part.cols, in, to);
          }
        };
        if (part.inputs == 0) {
          product(h_read, n, n, part.weights.get(), init, out);
        } else {  // [x; h] @ [kernel; recurrent_kernel], x the layer below's new output (or the embedding)
          product(x, part.inputs, part.inputs, part.weights.get(), init, out);
          product(h_read, n, n, part.weights.get() + part.inputs * part.cols, out, out);
        }
        for (int64_t row = 0; row < batch && k > 0; ++row) {
          const float* zr = z + row * part.cols;
          Map c(carry[l] + row * n + part.first, k);
          c = ConstMap(zr + k, k).logistic() * c + ConstMap(zr, k).logistic() * ConstMap(zr + 2 * k, k).tanh();
          Map(h_write + row * n + part.first, k) = ConstMap(zr + 3 * k, k).logistic() * c.tanh();
        }
        if (!barrier.Wait()) return false;
      }
      return true;
    };

    // Each thread: logits and the pick of its rows (the top layer's output in buffer `written`).
    // With at most one row a thread and a large vocabulary, the threads split the logits'
    // columns instead (each multiplies its half of the dense kernel, `Wide`, and they meet
    // before the pick): at batch 1 the dense layer is most of a token's work.
    const bool split_columns = batch <= threads && logit_cols >= 1024;
    auto choose = [&](int thread, int64_t t, int written) {
      const int64_t first = batch * thread / threads, last = batch * (thread + 1) / threads;
      const float** init = inits[thread].data();
      float** out = outs[thread].data();
      if (split_columns) {
        const int64_t blocks = logit_cols / kLanes;
        const int64_t c0 = blocks * thread / threads * kLanes, c1 = blocks * (thread + 1) / threads * kLanes;
        for (int64_t row = 0; row < batch; ++row) {
          init[row] = dense_init.get() + c0;
          out[row] = logits.get() + row * logit_cols + c0;
        }
        const float* h_all = hidden[layers - 1].get() + written * batch * top;
        Wide(h_all, top, batch, top, dense_w + c0, c1 - c0, logit_cols, init, out);
        if (!barrier.Wait()) return false;  // every row's logits are written
      }
      if (first == last) return true;
      if (!split_columns) {
        for (int64_t row = first; row < last; ++row) {
          init[row - first] = dense_init.get();
          out[row - first] = logits.get() + row * logit_cols;
        }
        const float* h_top = hidden[layers - 1].get() + (written * batch + first) * top;
        MatMul(h_top, top, last - first, top, dense_w, logit_cols, init, out);
      }
      Scratch& own = scratch[thread];
      std::vector<float>&ranked = own.ranked, &probs = own.probs, &filtered = own.filtered,
                         &uniforms = own.uniforms;
      if (!s.greedy) Uniforms(seed, static_cast<int32_t>(t), first * vocab, (last - first) * vocab, uniforms.data());
      for (int64_t row = first; row < last; ++row) {
        const float* row_logits = logits.get() + row * logit_cols;
        int32_t next;
        if (s.greedy) {
          next = static_cast<int32_t>(FirstArgmax(row_logits, vocab));
        } else {
          FilterLogits(row_logits, vocab, s, filtered.data(), ranked, probs);
          Map u(uniforms.data() + (row - first) * vocab, vocab);
          u = (-u.log()).log();  // Eigen's vectorised log
          Map(filtered.data(), vocab) -= u;
          next = static_cast<int32_t>(FirstArgmax(filtered.data(), vocab));
        }
        if (done[row]) {
          next = s.pad_id;
        } else {
          if (s.scored) log_probs[row] += LogSoftmaxAt(row_logits, vocab, next);
          ++lengths[row];
        }
        tokens[row * s.length + t] = next;
        fed[row] = next;
        done[row] = done[row] || next == s.eos_id;
      }
      return true;
    };

    auto work = [&](int thread) {
      pack(thread);
      if (!barrier.Wait()) return;
      int read = 0;
      for (int64_t p = 0; p + 1 < prime_len; ++p) {
        if (!advance(thread, prime + p, prime_len, read)) return;
        read = 1 - read;
      }
      for (int64_t t = 0; t < s.length; ++t) {
        if (!advance(thread, t == 0 ? prime + prime_len - 1 : fed.data(), t == 0 ? prime_len : 1, read)) return;
        read = 1 - read;
        if (!choose(thread, t, read) || !barrier.Wait()) return;  // every row's token is in `fed`
        if (std::all_of(done.begin(), done.end(), [](char d) { return d != 0; })) break;
      }
      if (thread == 0) final_read = read;
    };

    // A thread that throws stops the other (the barrier), and the error is raised here once
    // both have stopped; a helper thread that cannot start throws std::system_error before
    // any work began.
    std::exception_ptr failures[2];
    auto guarded = [&](int thread) {
      try {
        work(thread);
      } catch (...) {
        failures[thread] = std::current_exception();
        barrier.Abort();
      }
    };
    if (threads == 1) {
      guarded(0);
    } else {
      std::thread helper(guarded, 1);
      guarded(0);
      helper.join();
    }
    for (const std::exception_ptr& failure : failures) {
      if (failure) std::rethrow_exception(failure);
    }
    for (int l = 0; l < layers; ++l) {
      Tensor* h_t;
      OP_REQUIRES_OK(context, h_out.allocate(l, TensorShape({batch, units[l]}), &h_t));
      std::memcpy(h_t->flat<float>().data(), hidden[l].get() + final_read * batch * units[l],
                  batch * units[l] * 4);
    }
  }

  Settings settings_;
  int threads_ = 1;
};

REGISTER_KERNEL_BUILDER(Name("SeqzooLstmSample").Device(DEVICE_CPU), LstmSample);

REGISTER_OP("SeqzooPhiloxUniform")
    .Input("seed: int32")
    .Input("step: int32")
    .Input("shape: int64")  // (rank,): the output's shape, each size >= 0
    .Output("uniforms: float")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      shape_inference::ShapeHandle scalar, shape;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 0, &scalar));
      TF_RETURN_IF_ERROR(c->WithRank(c->input(1), 0, &scalar));
      TF_RETURN_IF_ERROR(c->MakeShapeFromShapeTensor(2, &shape));
      c->set_output(0, shape);
      return absl::OkStatus();
    });

// The uniforms SeqzooLstmSample draws at step `step` for `seed`: XLA's
// `tf.random.stateless_uniform(shape, seed=(seed, step), minval=tiny)` on a CPU, row by row
// along the last axis (each row a call of `Uniforms` at its offset, as the sampler's threads
// draw their share of the rows), so a test can hold the sampler's generator to XLA's.
class PhiloxUniform : public OpKernel {
 public:
  explicit PhiloxUniform(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    Guarded(context, "SeqzooPhiloxUniform", [&] { Run(context); });
  }

 private:
  void Run(OpKernelContext* context) {
    int32_t seed = 0, step = 0;
    OP_REQUIRES_OK(context, ScalarInput(context, "seed", &seed));
    OP_REQUIRES_OK(context, ScalarInput(context, "step", &step));
    const Tensor& shape_t = context->input(2);
    OP_REQUIRES(context, shape_t.dims() == 1,
                Invalid("shape must be a vector (rank,), got shape ", shape_t.shape().DebugString()));
    TensorShape shape;
    int64_t total = 1;
    for (int64_t i = 0; i < shape_t.NumElements(); ++i) {
      const int64_t size = shape_t.flat<int64_t>()(i);
      OP_REQUIRES(context, size >= 0 && Product({total, size}, &total),
                  Invalid("shape must hold sizes >= 0 with at most 2**56 elements in all, got size ", size,
                          " at ", i));
      OP_REQUIRES_OK(context, shape.AddDimWithStatus(size));
    }
    Tensor* out_t;
    OP_REQUIRES_OK(context, context->allocate_output(0, shape, &out_t));
    const int64_t row = shape.dims() == 0 ? 1 : shape.dim_size(shape.dims() - 1);
    float* out = out_t->flat<float>().data();
    for (int64_t first = 0; row > 0 && first < total; first += row) Uniforms(seed, step, first, row, out + first);
  }
};

REGISTER_KERNEL_BUILDER(Name("SeqzooPhiloxUniform").Device(DEVICE_CPU), PhiloxUniform);

}  // namespace
