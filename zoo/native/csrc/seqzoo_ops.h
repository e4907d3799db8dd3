// What the zoo's TensorFlow CPU ops share: TensorFlow's op headers, short names for the
// framework types and for float32 arrays over raw buffers (Eigen maps), and the input checks
// every kernel runs before it trusts an input: scalars of rank 0, sizes whose products fit,
// and C++ exceptions (a failed allocation or thread start) turned into TensorFlow errors.

#ifndef SEQZOO_CSRC_SEQZOO_OPS_H_
#define SEQZOO_CSRC_SEQZOO_OPS_H_

#include <cstdint>
#include <initializer_list>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/framework/tensor_shape.h"
#include "unsupported/Eigen/CXX11/Tensor"

namespace seqzoo {

using tensorflow::DEVICE_CPU;
using tensorflow::OpInputList;
using tensorflow::OpKernel;
using tensorflow::OpKernelConstruction;
using tensorflow::OpKernelContext;
using tensorflow::OpOutputList;
using tensorflow::Tensor;
using tensorflow::TensorShape;
namespace shape_inference = tensorflow::shape_inference;

using Array = Eigen::Array<float, Eigen::Dynamic, 1>;
using Map = Eigen::Map<Array>;
using ConstMap = Eigen::Map<const Array>;

// The most elements any buffer of an op may hold (2**56, far beyond any memory): a product of
// sizes above it is refused before anything is allocated, so no size computation can overflow
// an int64 (nor its byte count a size_t).
constexpr int64_t kMaxElements = int64_t{1} << 56;

// The product of `factors` (each >= 0) into `out`; false when it exceeds kMaxElements.
inline bool Product(std::initializer_list<int64_t> factors, int64_t* out) {
  int64_t total = 1;
  for (const int64_t factor : factors) {
    if (factor < 0) return false;
    if (factor != 0 && total > kMaxElements / factor) {
      total = kMaxElements + 1;  // stays too large even if a later factor is 0
      continue;
    }
    total *= factor;
  }
  *out = total;
  return total <= kMaxElements;
}

// An InvalidArgument error whose message is the parts streamed one after another.
template <typename... Parts>
absl::Status Invalid(const Parts&... parts) {
  std::ostringstream message;
  (message << ... << parts);
  return absl::InvalidArgumentError(message.str());
}

// Reads the scalar input `name` into `out`: an error naming it unless its rank is 0.
template <typename T>
absl::Status ScalarInput(OpKernelContext* context, const char* name, T* out) {
  const Tensor* tensor;
  TF_RETURN_IF_ERROR(context->input(name, &tensor));
  if (!tensorflow::TensorShapeUtils::IsScalar(tensor->shape())) {
    return Invalid(name, " must be a scalar, got shape ", tensor->shape().DebugString());
  }
  *out = tensor->scalar<T>()();
  return absl::OkStatus();
}

// Runs a kernel's body and turns the C++ exceptions it may raise into the op's error:
// a failed allocation into ResourceExhausted, a thread that could not start (or any other
// exception) into Internal. Nothing reaches std::terminate.
template <typename Body>
void Guarded(OpKernelContext* context, const char* op, Body&& body) {
  try {
    std::forward<Body>(body)();
  } catch (const std::bad_alloc&) {
    context->SetStatus(absl::ResourceExhaustedError(std::string(op) + ": out of memory"));
  } catch (const std::length_error& error) {
    context->SetStatus(absl::ResourceExhaustedError(std::string(op) + ": out of memory (" +
                                                    error.what() + ")"));
  } catch (const std::system_error& error) {
    context->SetStatus(absl::InternalError(std::string(op) + ": could not start a thread (" +
                                           error.what() + ")"));
  } catch (const std::exception& error) {
    context->SetStatus(absl::InternalError(std::string(op) + ": " + error.what()));
  }
}

}  // namespace seqzoo

#endif  // SEQZOO_CSRC_SEQZOO_OPS_H_
