// Winograd F(2x2, 3x3) transforms for a stride-1 "valid" 3x3 convolution (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", CVPR 2016), channels last. The convolution is
//   y = OutputTransform(BatchMatMul(InputTransform(x), WeightTransform(kernel)))
// with the 16 transformed planes as the batch of the matrix product; the matrix products are TensorFlow's own
// (oneDNN where it runs). Each transform here is linear, and each op's gradient is its adjoint, the op beside it:
//   KgWinogradInput      x  (N, H, W, C)        -> v  (16, N * th * tw, C)   v = B^T d B over 4x4 tiles, stride 2
//   KgWinogradInputGrad  dv (16, N * th * tw, C) -> dx (N, H, W, C)         the adjoint (overlapping tiles summed)
//   KgWinogradOutput     m  (16, N * th * tw, K) -> y  (N, H - 2, W - 2, K)  y = A^T m A over 2x2 output tiles
//   KgWinogradOutputGrad dy (N, H - 2, W - 2, K) -> dm (16, N * th * tw, K) the adjoint
// th = ceil((H - 2) / 2), tw = ceil((W - 2) / 2); pixels outside the input read as zeros, outputs outside y are
// dropped. Sums run in float32 whatever the storage type (float32 or bfloat16, rounded to nearest even).
#include <cstdint>
#include <cstring>
#include <vector>

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/util/work_sharder.h"

namespace {

using tensorflow::bfloat16;

using tensorflow::OpKernel;
using tensorflow::OpKernelConstruction;
using tensorflow::OpKernelContext;
using tensorflow::Tensor;
using tensorflow::TensorShape;
using tensorflow::errors::InvalidArgument;
namespace shape_inference = tensorflow::shape_inference;

inline float load(float x) { return x; }
inline float load(bfloat16 x) {
  uint16_t bits;
  std::memcpy(&bits, &x, 2);
  uint32_t u = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
template <typename T>
inline T store(float f);
template <>
inline float store<float>(float f) { return f; }
template <>
inline bfloat16 store<bfloat16>(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  uint16_t bits;
  if ((u & 0x7fffffffu) > 0x7f800000u) {
    bits = static_cast<uint16_t>((u >> 16) | 0x40u);  // NaN stays NaN
  } else {
    bits = static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  }
  bfloat16 out;
  std::memcpy(&out, &bits, 2);
  return out;
}

// Tile geometry shared by the four ops.
struct Tiles {
  int64_t n, h, w, th, tw;  // h, w: the input's size (the output is h - 2, w - 2)
  int64_t count() const { return n * th * tw; }
  // Tile t's image and tile row and column.
  void locate(int64_t t, int64_t* image, int64_t* ty, int64_t* tx) const {
    *image = t / (th * tw);
    *ty = (t / tw) % th;
    *tx = t % tw;
  }
};

Tiles tiles_for_input(int64_t n, int64_t h, int64_t w) { return Tiles{n, h, w, (h - 1) / 2, (w - 1) / 2}; }

// work(begin, end) over [0, total) on TensorFlow's CPU worker threads; cost: operations per unit, for the sharding.
template <typename Work>
void parallel_for(OpKernelContext* ctx, int64_t total, int64_t cost, Work work) {
  auto* pool = ctx->device()->tensorflow_cpu_worker_threads();
  tensorflow::Shard(pool->num_threads, pool->workers, total, cost, work);
}

// The loops below run over channels innermost, with every operand a pointer to a contiguous row of channels: the
// compiler vectorizes them. Reads outside the image point at a row of zeros, writes outside the output at a
// scratch row, so the loops have no branches.

// Input transform: v[(i, j), t, c] = sum_ab BT[i][a] d[a][b] BT[j][b] over the tile's 4x4 pixels d, with BT =
//   [1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1].
template <typename T>
class InputOp : public OpKernel {
 public:
  explicit InputOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    OP_REQUIRES(ctx, x.dims() == 4, InvalidArgument("KgWinogradInput: x must be 4-D, got ", x.shape().DebugString()));
    OP_REQUIRES(ctx, x.dim_size(1) >= 3 && x.dim_size(2) >= 3,
                InvalidArgument("KgWinogradInput: height and width must be at least 3, got ", x.shape().DebugString()));
    const int64_t c = x.dim_size(3);
    const Tiles g = tiles_for_input(x.dim_size(0), x.dim_size(1), x.dim_size(2));
    Tensor* v = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({16, g.count(), c}), &v));
    const T* src = x.flat<T>().data();
    T* dst = v->flat<T>().data();
    const int64_t plane = g.count() * c;
    auto work = [&](int64_t begin, int64_t end) {
      std::vector<T> zeros(c, store<T>(0.f));
      for (int64_t t = begin; t < end; ++t) {
        int64_t n, ty, tx;
        g.locate(t, &n, &ty, &tx);
        const T* p[4][4];
        for (int a = 0; a < 4; ++a) {
          for (int b = 0; b < 4; ++b) {
            const int64_t y = 2 * ty + a, xx = 2 * tx + b;
            p[a][b] = (y < g.h && xx < g.w) ? src + ((n * g.h + y) * g.w + xx) * c : zeros.data();
          }
        }
        T* o = dst + t * c;
        #pragma GCC ivdep
        for (int64_t k = 0; k < c; ++k) {
          float r[4][4];  // rows transformed: r[i][b] = sum_a BT[i][a] d[a][b]
          for (int b = 0; b < 4; ++b) {
            const float d0 = load(p[0][b][k]), d1 = load(p[1][b][k]), d2 = load(p[2][b][k]), d3 = load(p[3][b][k]);
            r[0][b] = d0 - d2;
            r[1][b] = d1 + d2;
            r[2][b] = d2 - d1;
            r[3][b] = d1 - d3;
          }
          for (int i = 0; i < 4; ++i) {
            o[(4 * i) * plane + k] = store<T>(r[i][0] - r[i][2]);
            o[(4 * i + 1) * plane + k] = store<T>(r[i][1] + r[i][2]);
            o[(4 * i + 2) * plane + k] = store<T>(r[i][2] - r[i][1]);
            o[(4 * i + 3) * plane + k] = store<T>(r[i][1] - r[i][3]);
          }
        }
      }
    };
    parallel_for(ctx, g.count(), 64 * c, work);
  }
};

// The nonzero entries of BT's column a (the rows i with BT[i][a] != 0, and the values): an input pixel at offset a in
// a tile receives sum_i BT[i][a] (...)_i. Each column has one or three.
struct Column {
  int count;
  int row[3];
  float sign[3];
};
constexpr Column kColumns[4] = {{1, {0, 0, 0}, {1, 0, 0}},
                                {3, {1, 2, 3}, {1, -1, 1}},
                                {3, {0, 1, 2}, {-1, 1, 1}},
                                {1, {3, 0, 0}, {-1, 0, 0}}};

// Its adjoint: dx[n, y, x] = sum over the tiles covering (y, x) (two per axis: offsets a = y % 2 and y % 2 + 2,
// one of them with one nonzero BT entry and the other with three, so always 4 terms per axis) of
// sum_ij BT[i][a] BT[j][b] dv[(i, j)]: 16 signed terms per pixel, gathered, so each pixel is written by one thread.
template <typename T>
class InputGradOp : public OpKernel {
 public:
  explicit InputGradOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& dv = ctx->input(0);
    const Tensor& shape = ctx->input(1);
    OP_REQUIRES(ctx, shape.NumElements() == 4, InvalidArgument("KgWinogradInputGrad: shape must have 4 elements"));
    auto s = shape.flat<int32_t>();
    OP_REQUIRES(ctx, s(1) >= 3 && s(2) >= 3, InvalidArgument("KgWinogradInputGrad: height and width must be >= 3"));
    const Tiles g = tiles_for_input(s(0), s(1), s(2));
    const int64_t c = s(3);
    OP_REQUIRES(ctx, dv.dims() == 3 && dv.dim_size(0) == 16 && dv.dim_size(1) == g.count() && dv.dim_size(2) == c,
                InvalidArgument("KgWinogradInputGrad: dv ", dv.shape().DebugString(), " does not match the shape"));
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({s(0), s(1), s(2), s(3)}), &dx));
    const T* src = dv.flat<T>().data();
    T* dst = dx->flat<T>().data();
    const int64_t plane = g.count() * c;
    // The (tile index along the axis, offset in the tile) pairs covering position y, as 4 (tile, BT row, sign)
    // terms; a tile outside the grid contributes a row of zeros.
    struct Terms {
      int64_t tile[4];
      int row[4];
      float sign[4];
    };
    auto terms = [](int64_t y, int64_t tiles) {
      Terms out{};
      int m = 0;
      for (int64_t a = y % 2; a < 4; a += 2) {
        const int64_t t = (y - a) / 2;
        const Column& col = kColumns[a];
        for (int q = 0; q < col.count; ++q, ++m) {
          out.tile[m] = (t >= 0 && t < tiles) ? t : -1;
          out.row[m] = col.row[q];
          out.sign[m] = col.sign[q];
        }
      }
      return out;
    };
    auto work = [&](int64_t begin, int64_t end) {
      std::vector<T> zeros(c, store<T>(0.f));
      for (int64_t item = begin; item < end; ++item) {  // one image row
        const int64_t n = item / g.h, y = item % g.h;
        const Terms ry = terms(y, g.th);
        for (int64_t xx = 0; xx < g.w; ++xx) {
          const Terms rx = terms(xx, g.tw);
          const T* p[16];
          float w[16];
          for (int u = 0; u < 4; ++u) {
            for (int v = 0; v < 4; ++v) {
              const bool inside = ry.tile[u] >= 0 && rx.tile[v] >= 0;
              const int64_t t = (n * g.th + ry.tile[u]) * g.tw + rx.tile[v];
              p[4 * u + v] = inside ? src + (4 * ry.row[u] + rx.row[v]) * plane + t * c : zeros.data();
              w[4 * u + v] = ry.sign[u] * rx.sign[v];
            }
          }
          T* o = dst + ((n * g.h + y) * g.w + xx) * c;
          #pragma GCC ivdep
          for (int64_t k = 0; k < c; ++k) {
            float acc = 0.f;
            for (int q = 0; q < 16; ++q) acc += w[q] * load(p[q][k]);
            o[k] = store<T>(acc);
          }
        }
      }
    };
    parallel_for(ctx, g.n * g.h, 32 * g.w * c, work);
  }
};

// Output transform: y[2ty + p, 2tx + q] = sum_ij AT[p][i] m[(i, j)] AT[q][j], AT = [1, 1, 1, 0], [0, 1, -1, -1].
template <typename T>
class OutputOp : public OpKernel {
 public:
  explicit OutputOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& m = ctx->input(0);
    const Tensor& shape = ctx->input(1);
    OP_REQUIRES(ctx, shape.NumElements() == 4, InvalidArgument("KgWinogradOutput: shape must have 4 elements"));
    auto s = shape.flat<int32_t>();  // the output's shape (N, H - 2, W - 2, K)
    OP_REQUIRES(ctx, s(1) >= 1 && s(2) >= 1, InvalidArgument("KgWinogradOutput: height and width must be >= 1"));
    const Tiles g = tiles_for_input(s(0), s(1) + 2, s(2) + 2);
    const int64_t k_out = s(3), ho = s(1), wo = s(2);
    OP_REQUIRES(ctx, m.dims() == 3 && m.dim_size(0) == 16 && m.dim_size(1) == g.count() && m.dim_size(2) == k_out,
                InvalidArgument("KgWinogradOutput: m ", m.shape().DebugString(), " does not match the shape"));
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({s(0), s(1), s(2), s(3)}), &y));
    const T* src = m.flat<T>().data();
    T* dst = y->flat<T>().data();
    const int64_t plane = g.count() * k_out;
    auto work = [&](int64_t begin, int64_t end) {
      std::vector<T> scratch(k_out);
      for (int64_t t = begin; t < end; ++t) {
        int64_t n, ty, tx;
        g.locate(t, &n, &ty, &tx);
        T* o[2][2];
        for (int pp = 0; pp < 2; ++pp) {
          for (int q = 0; q < 2; ++q) {
            const int64_t yy = 2 * ty + pp, xx = 2 * tx + q;
            o[pp][q] = (yy < ho && xx < wo) ? dst + ((n * ho + yy) * wo + xx) * k_out : scratch.data();
          }
        }
        const T* p = src + t * k_out;
        #pragma GCC ivdep
        for (int64_t k = 0; k < k_out; ++k) {
          float r[2][4];  // r[p][j] = sum_i AT[p][i] m[(i, j)]
          for (int j = 0; j < 4; ++j) {
            const float a1 = load(p[(4 + j) * plane + k]), a2 = load(p[(8 + j) * plane + k]);
            r[0][j] = load(p[j * plane + k]) + a1 + a2;
            r[1][j] = a1 - a2 - load(p[(12 + j) * plane + k]);
          }
          for (int pp = 0; pp < 2; ++pp) {
            o[pp][0][k] = store<T>(r[pp][0] + r[pp][1] + r[pp][2]);
            o[pp][1][k] = store<T>(r[pp][1] - r[pp][2] - r[pp][3]);
          }
        }
      }
    };
    parallel_for(ctx, g.count(), 64 * k_out, work);
  }
};

// Its adjoint: dm[(i, j), t] = sum_pq AT[p][i] AT[q][j] dy[2ty + p, 2tx + q] (zero outside dy).
template <typename T>
class OutputGradOp : public OpKernel {
 public:
  explicit OutputGradOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& dy = ctx->input(0);
    OP_REQUIRES(ctx, dy.dims() == 4, InvalidArgument("KgWinogradOutputGrad: dy must be 4-D"));
    const int64_t ho = dy.dim_size(1), wo = dy.dim_size(2), k_out = dy.dim_size(3);
    const Tiles g = tiles_for_input(dy.dim_size(0), ho + 2, wo + 2);
    Tensor* dm = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({16, g.count(), k_out}), &dm));
    const T* src = dy.flat<T>().data();
    T* dst = dm->flat<T>().data();
    const int64_t plane = g.count() * k_out;
    auto work = [&](int64_t begin, int64_t end) {
      std::vector<T> zeros(k_out, store<T>(0.f));
      for (int64_t t = begin; t < end; ++t) {
        int64_t n, ty, tx;
        g.locate(t, &n, &ty, &tx);
        const T* e[2][2];
        for (int pp = 0; pp < 2; ++pp) {
          for (int q = 0; q < 2; ++q) {
            const int64_t yy = 2 * ty + pp, xx = 2 * tx + q;
            e[pp][q] = (yy < ho && xx < wo) ? src + ((n * ho + yy) * wo + xx) * k_out : zeros.data();
          }
        }
        T* o = dst + t * k_out;
        #pragma GCC ivdep
        for (int64_t k = 0; k < k_out; ++k) {
          const float e00 = load(e[0][0][k]), e01 = load(e[0][1][k]), e10 = load(e[1][0][k]), e11 = load(e[1][1][k]);
          // rows: AT[0][i] = [1, 1, 1, 0], AT[1][i] = [0, 1, -1, -1]: row i of A times (e0., e1.)
          const float c0[4] = {e00, e00 + e10, e00 - e10, -e10};  // column q = 0
          const float c1[4] = {e01, e01 + e11, e01 - e11, -e11};  // column q = 1
          for (int i = 0; i < 4; ++i) {
            o[(4 * i) * plane + k] = store<T>(c0[i]);
            o[(4 * i + 1) * plane + k] = store<T>(c0[i] + c1[i]);
            o[(4 * i + 2) * plane + k] = store<T>(c0[i] - c1[i]);
            o[(4 * i + 3) * plane + k] = store<T>(-c1[i]);
          }
        }
      }
    };
    parallel_for(ctx, g.count(), 64 * k_out, work);
  }
};

}  // namespace

using shape_inference::DimensionHandle;
using shape_inference::InferenceContext;
using shape_inference::ShapeHandle;

namespace {
DimensionHandle tile_count(InferenceContext* c, ShapeHandle s, int64_t plus) {
  // s: (N, H, W, C) of the input (plus = 0) or of the output (plus = 2).
  DimensionHandle n = c->Dim(s, 0), h = c->Dim(s, 1), w = c->Dim(s, 2);
  if (!c->ValueKnown(n) || !c->ValueKnown(h) || !c->ValueKnown(w)) return c->UnknownDim();
  return c->MakeDim(c->Value(n) * ((c->Value(h) + plus - 1) / 2) * ((c->Value(w) + plus - 1) / 2));
}
// The output's shape is the value of input 1 (a 4-element shape tensor).
absl::Status shape_from_input_1(InferenceContext* c) {
  ShapeHandle out;
  TF_RETURN_IF_ERROR(c->MakeShapeFromShapeTensor(1, &out));
  TF_RETURN_IF_ERROR(c->WithRank(out, 4, &out));
  c->set_output(0, out);
  return absl::OkStatus();
}
}  // namespace

REGISTER_OP("KgWinogradInput")
    .Input("x: T")
    .Output("v: T")
    .Attr("T: {float, bfloat16}")
    .SetShapeFn([](InferenceContext* c) {
      ShapeHandle x;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 4, &x));
      c->set_output(0, c->MakeShape({c->MakeDim(16), tile_count(c, x, 0), c->Dim(x, 3)}));
      return absl::OkStatus();
    });

REGISTER_OP("KgWinogradInputGrad")
    .Input("dv: T")
    .Input("shape: int32")
    .Output("dx: T")
    .Attr("T: {float, bfloat16}")
    .SetShapeFn(shape_from_input_1);

REGISTER_OP("KgWinogradOutput")
    .Input("m: T")
    .Input("shape: int32")
    .Output("y: T")
    .Attr("T: {float, bfloat16}")
    .SetShapeFn(shape_from_input_1);

REGISTER_OP("KgWinogradOutputGrad")
    .Input("dy: T")
    .Output("dm: T")
    .Attr("T: {float, bfloat16}")
    .SetShapeFn([](InferenceContext* c) {
      ShapeHandle dy;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 4, &dy));
      c->set_output(0, c->MakeShape({c->MakeDim(16), tile_count(c, dy, 2), c->Dim(dy, 3)}));
      return absl::OkStatus();
    });

#define REGISTER(T)                                                                                         \
  REGISTER_KERNEL_BUILDER(Name("KgWinogradInput").Device(tensorflow::DEVICE_CPU).TypeConstraint<T>("T"),   \
                          InputOp<T>);                                                                      \
  REGISTER_KERNEL_BUILDER(                                                                                  \
      Name("KgWinogradInputGrad").Device(tensorflow::DEVICE_CPU).TypeConstraint<T>("T").HostMemory("shape"), \
      InputGradOp<T>);                                                                                      \
  REGISTER_KERNEL_BUILDER(                                                                                  \
      Name("KgWinogradOutput").Device(tensorflow::DEVICE_CPU).TypeConstraint<T>("T").HostMemory("shape"),    \
      OutputOp<T>);                                                                                         \
  REGISTER_KERNEL_BUILDER(Name("KgWinogradOutputGrad").Device(tensorflow::DEVICE_CPU).TypeConstraint<T>("T"), \
                          OutputGradOp<T>);
REGISTER(float)
REGISTER(bfloat16)
#undef REGISTER
