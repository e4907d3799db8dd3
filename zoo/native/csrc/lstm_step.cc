// One LSTM time step's element-wise math as a single TensorFlow CPU op, forward and backward.
//
// `zoo.fused_lstm` trains an LSTM as a TensorFlow while loop. Written in TensorFlow ops, each
// step is its recurrent multiply plus a couple of dozen small element-wise ops (casts, adds,
// `sigmoid`, `tanh`, slices, products, concatenations), and on a small CPU those cost more in
// scheduling and memory traffic than in arithmetic. These two ops do a step's element-wise
// work in one pass over each row, 64 columns of each gate at a time so that every
// intermediate stays in L1, with Eigen's vectorised `tanh` and logistic (the functions
// TensorFlow's own ops use). They read the bfloat16 multiply results directly and write the
// bfloat16 state the next multiply reads. The math is the TensorFlow-ops loop's: gate order
// i, f, c, o; gates and carry in float32; the same products in the same order.
//
// SeqzooLstmStep (forward, step t), z = (projected[t] + bias) + recurrent:
//   i, f, o = sigmoid(z_i, z_f, z_o); g = tanh(z_c)
//   c' = f * c + i * g; h' = o * tanh(c')
//   derivatives = [g i(1-i), c f(1-f), i(1-g^2), tanh(c') o(1-o), o(1-tanh(c')^2), f]
// SeqzooLstmStepGrad (backward, step t), with dh from the step after (dz' @ recurrent^T):
//   dh += d_outputs[:, t]; dc += dh * d[4]
//   dz = [dc d[0], dc d[1], dc d[2], dh d[3]]; dc_next = dc * d[5]
//
// Both check every input before reading it (`t` a scalar in range, the shapes consistent,
// no size beyond 2**56 elements) and fail with an InvalidArgument error naming it.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "seqzoo_ops.h"

namespace {

using namespace seqzoo;  // NOLINT: the shared short names
constexpr int kChunk = 64;
using Chunk = Eigen::Array<float, Eigen::Dynamic, 1, 0, kChunk, 1>;  // on the stack

// Element loads and stores for the compute dtype: float32 as is, bfloat16 by its bits
// (widening is exact; narrowing rounds to nearest even, NaN stays NaN, as TensorFlow's Cast).
inline void Widen(const float* in, float* out, int64_t n) { std::memcpy(out, in, n * 4); }
inline void Widen(const Eigen::bfloat16* in, float* out, int64_t n) {
  const uint16_t* bits = reinterpret_cast<const uint16_t*>(in);
  for (int64_t j = 0; j < n; ++j) {
    uint32_t wide = static_cast<uint32_t>(bits[j]) << 16;
    std::memcpy(out + j, &wide, 4);
  }
}
inline void Narrow(const float* in, float* out, int64_t n) { std::memcpy(out, in, n * 4); }
inline void Narrow(const float* in, Eigen::bfloat16* out, int64_t n) {
  uint16_t* bits = reinterpret_cast<uint16_t*>(out);
  for (int64_t j = 0; j < n; ++j) {
    uint32_t wide;
    std::memcpy(&wide, in + j, 4);
    uint32_t rounded = (wide + 0x7fffu + ((wide >> 16) & 1u)) >> 16;
    bits[j] = std::isnan(in[j]) ? static_cast<uint16_t>((wide & 0x80000000u) ? 0xffc0u : 0x7fc0u)
                                : static_cast<uint16_t>(rounded);
  }
}

absl::Status StepShape(shape_inference::InferenceContext* c) {
  shape_inference::ShapeHandle carry;
  TF_RETURN_IF_ERROR(c->WithRank(c->input(4), 2, &carry));
  c->set_output(0, carry);
  c->set_output(1, carry);
  shape_inference::DimensionHandle six_units;
  TF_RETURN_IF_ERROR(c->Multiply(c->Dim(carry, 1), 6, &six_units));
  c->set_output(2, c->Matrix(c->Dim(carry, 0), six_units));
  return absl::OkStatus();
}

absl::Status StepGradShape(shape_inference::InferenceContext* c) {
  shape_inference::ShapeHandle carry;
  TF_RETURN_IF_ERROR(c->WithRank(c->input(4), 2, &carry));
  shape_inference::DimensionHandle four_units;
  TF_RETURN_IF_ERROR(c->Multiply(c->Dim(carry, 1), 4, &four_units));
  c->set_output(0, c->Matrix(c->Dim(carry, 0), four_units));
  c->set_output(1, carry);
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("SeqzooLstmStep")
    .Input("projected: T")       // (time, batch, 4U): x @ kernel of every step
    .Input("bias: float")        // (4U,)
    .Input("t: int32")           // the step
    .Input("recurrent: T")       // (batch, 4U): h @ recurrent_kernel
    .Input("c: float")           // (batch, U): the carry
    .Output("h_next: T")         // (batch, U)
    .Output("c_next: float")     // (batch, U)
    .Output("derivatives: T")    // (batch, 6U): what SeqzooLstmStepGrad reads
    .Attr("T: {float, bfloat16}")
    .SetShapeFn(StepShape);

REGISTER_OP("SeqzooLstmStepGrad")
    .Input("dh: T")              // (batch, U): dz @ recurrent_kernel^T of the step after
    .Input("d_outputs: T")       // (batch, time, U): the gradient of every output
    .Input("derivatives: T")     // (batch, 6U): SeqzooLstmStep's output at step t
    .Input("t: int32")           // the step
    .Input("dc: float")          // (batch, U)
    .Output("dz: T")             // (batch, 4U): the gradient of the gates' inputs
    .Output("dc_next: float")    // (batch, U)
    .Attr("T: {float, bfloat16}")
    .SetShapeFn(StepGradShape);

template <typename T>
class LstmStep : public OpKernel {
 public:
  explicit LstmStep(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    Guarded(context, "SeqzooLstmStep", [&] { Run(context); });
  }

 private:
  void Run(OpKernelContext* context) {
    const Tensor& projected = context->input(0);
    const Tensor& bias = context->input(1);
    const Tensor& recurrent = context->input(3);
    const Tensor& c_in = context->input(4);
    int32_t t = 0;
    OP_REQUIRES_OK(context, ScalarInput(context, "t", &t));
    OP_REQUIRES(context, c_in.dims() == 2, absl::InvalidArgumentError("c must be (batch, units)"));
    const int64_t batch = c_in.dim_size(0), units = c_in.dim_size(1);
    int64_t gates = 0, derivative_size = 0;
    OP_REQUIRES(context, Product({6, units}, &derivative_size) && Product({batch, 6, units}, &derivative_size),
                Invalid("c is too large: (batch, 6 * units) must hold at most 2**56 elements, got shape ",
                        c_in.shape().DebugString()));
    gates = 4 * units;
    OP_REQUIRES(context, recurrent.shape() == TensorShape({batch, gates}),
                absl::InvalidArgumentError("recurrent must be (batch, 4 * units)"));
    OP_REQUIRES(context, bias.shape() == TensorShape({gates}),
                absl::InvalidArgumentError("bias must be (4 * units,)"));
    OP_REQUIRES(context, projected.dims() == 3 && projected.dim_size(1) == batch &&
                             projected.dim_size(2) == gates,
                absl::InvalidArgumentError("projected must be (time, batch, 4 * units)"));
    OP_REQUIRES(context, t >= 0 && t < projected.dim_size(0),
                Invalid("t out of range [0, ", projected.dim_size(0), "), got ", t));

    Tensor *h_out, *c_out, *d_out;
    OP_REQUIRES_OK(context, context->allocate_output(0, c_in.shape(), &h_out));
    OP_REQUIRES_OK(context, context->allocate_output(1, c_in.shape(), &c_out));
    OP_REQUIRES_OK(context, context->allocate_output(2, TensorShape({batch, 6 * units}), &d_out));

    const T* x_t = projected.flat<T>().data() + t * batch * gates;
    const T* r = recurrent.flat<T>().data();
    const float* c = c_in.flat<float>().data();
    T* h_next = h_out->flat<T>().data();
    float* c_next = c_out->flat<float>().data();
    T* derivatives = d_out->flat<T>().data();

    const float* bias_all = bias.flat<float>().data();
    // Each row in chunks of kChunk columns per gate: every intermediate stays in L1.
    Chunk z[4], gate[4], tanh_c, out;
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t j = 0; j < units; j += kChunk) {
        const int64_t n = std::min<int64_t>(kChunk, units - j);
        for (int k = 0; k < 4; ++k) {  // z = (x @ kernel + bias) + h @ recurrent_kernel
          const int64_t column = b * gates + k * units + j;
          z[k].resize(n);
          out.resize(n);
          Widen(x_t + column, z[k].data(), n);
          Widen(r + column, out.data(), n);
          z[k] = (z[k] + ConstMap(bias_all + k * units + j, n)) + out;
        }
        gate[0] = z[0].logistic();  // i
        gate[1] = z[1].logistic();  // f
        gate[2] = z[2].tanh();      // g
        gate[3] = z[3].logistic();  // o
        const auto &i = gate[0], &f = gate[1], &g = gate[2], &o = gate[3];
        ConstMap c_b(c + b * units + j, n);
        Map c_new(c_next + b * units + j, n);
        c_new = f * c_b + i * g;
        tanh_c = c_new.tanh();
        out = o * tanh_c;
        Narrow(out.data(), h_next + b * units + j, n);
        T* d = derivatives + b * 6 * units + j;
        out = g * (i * (1 - i));
        Narrow(out.data(), d, n);
        out = c_b * (f * (1 - f));
        Narrow(out.data(), d + units, n);
        out = i * (1 - g * g);
        Narrow(out.data(), d + 2 * units, n);
        out = tanh_c * o * (1 - o);
        Narrow(out.data(), d + 3 * units, n);
        out = o * (1 - tanh_c * tanh_c);
        Narrow(out.data(), d + 4 * units, n);
        Narrow(f.data(), d + 5 * units, n);
      }
    }
  }
};

template <typename T>
class LstmStepGrad : public OpKernel {
 public:
  explicit LstmStepGrad(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    Guarded(context, "SeqzooLstmStepGrad", [&] { Run(context); });
  }

 private:
  void Run(OpKernelContext* context) {
    const Tensor& dh_in = context->input(0);
    const Tensor& d_outputs = context->input(1);
    const Tensor& derivatives = context->input(2);
    const Tensor& dc_in = context->input(4);
    int32_t t = 0;
    OP_REQUIRES_OK(context, ScalarInput(context, "t", &t));
    OP_REQUIRES(context, dc_in.dims() == 2, absl::InvalidArgumentError("dc must be (batch, units)"));
    const int64_t batch = dc_in.dim_size(0), units = dc_in.dim_size(1);
    int64_t size = 0;
    OP_REQUIRES(context, Product({13, units}, &size) && Product({batch, 6, units}, &size),
                Invalid("dc is too large: (batch, 6 * units) must hold at most 2**56 elements, got shape ",
                        dc_in.shape().DebugString()));
    const int64_t gates = 4 * units;
    OP_REQUIRES(context, dh_in.shape() == dc_in.shape(),
                absl::InvalidArgumentError("dh must be (batch, units)"));
    OP_REQUIRES(context, d_outputs.dims() == 3 && d_outputs.dim_size(0) == batch &&
                             d_outputs.dim_size(2) == units,
                absl::InvalidArgumentError("d_outputs must be (batch, time, units)"));
    const int64_t steps = d_outputs.dim_size(1);
    OP_REQUIRES(context, derivatives.shape() == TensorShape({batch, 6 * units}),
                absl::InvalidArgumentError("derivatives must be (batch, 6 * units)"));
    OP_REQUIRES(context, t >= 0 && t < steps, Invalid("t out of range [0, ", steps, "), got ", t));

    Tensor *dz_out, *dc_out;
    OP_REQUIRES_OK(context, context->allocate_output(0, TensorShape({batch, gates}), &dz_out));
    OP_REQUIRES_OK(context, context->allocate_output(1, dc_in.shape(), &dc_out));

    const T* dh_after = dh_in.flat<T>().data();
    const T* d_out = d_outputs.flat<T>().data();
    const T* stored = derivatives.flat<T>().data();
    const float* dc_prev = dc_in.flat<float>().data();
    T* dz_all = dz_out->flat<T>().data();
    float* dc_next = dc_out->flat<float>().data();

    std::vector<float> scratch(3 * units + gates + 6 * units);  // dh, other, dc, dz, d
    Map dh(scratch.data(), units), other(scratch.data() + units, units),
        dc(scratch.data() + 2 * units, units), dz(scratch.data() + 3 * units, gates);
    float* d = scratch.data() + 3 * units + gates;
    for (int64_t b = 0; b < batch; ++b) {
      Widen(stored + b * 6 * units, d, 6 * units);
      Widen(dh_after + b * units, dh.data(), units);
      Widen(d_out + (b * steps + t) * units, other.data(), units);
      dh = dh + other;
      dc = ConstMap(dc_prev + b * units, units) + dh * ConstMap(d + 4 * units, units);
      dz.head(units) = dc * ConstMap(d, units);
      dz.segment(units, units) = dc * ConstMap(d + units, units);
      dz.segment(2 * units, units) = dc * ConstMap(d + 2 * units, units);
      dz.tail(units) = dh * ConstMap(d + 3 * units, units);
      Narrow(dz.data(), dz_all + b * gates, gates);
      Map(dc_next + b * units, units) = dc * ConstMap(d + 5 * units, units);
    }
  }
};

#define REGISTER(T)                                                                    \
  REGISTER_KERNEL_BUILDER(                                                             \
      Name("SeqzooLstmStep").Device(DEVICE_CPU).TypeConstraint<T>("T"), LstmStep<T>); \
  REGISTER_KERNEL_BUILDER(                                                             \
      Name("SeqzooLstmStepGrad").Device(DEVICE_CPU).TypeConstraint<T>("T"), LstmStepGrad<T>);
REGISTER(float)
REGISTER(Eigen::bfloat16)
#undef REGISTER
