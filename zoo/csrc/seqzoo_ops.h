// What the zoo's TensorFlow CPU ops share: TensorFlow's op headers and short names for the
// framework types and for float32 arrays over raw buffers (Eigen maps).

#ifndef SEQZOO_CSRC_SEQZOO_OPS_H_
#define SEQZOO_CSRC_SEQZOO_OPS_H_

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
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

}  // namespace seqzoo

#endif  // SEQZOO_CSRC_SEQZOO_OPS_H_
