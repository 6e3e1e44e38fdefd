// Winograd F(2x2, 3x3) and F(2x2, 2x2) transforms for stride-1 "valid" 3x3 and 2x2 convolutions (Lavin & Gray,
// "Fast Algorithms for Convolutional Neural Networks", CVPR 2016), channels last. The convolution is
//   y = OutputTransform(BatchMatMul(InputTransform(x), WeightTransform(kernel)))
// with the R x R transformed planes as the batch of the matrix product (R = r + 1: 4x4 tiles for r = 3, 3x3 tiles for
// r = 2); the matrix products are TensorFlow's own (oneDNN where it runs). Each transform here is linear, and each
// op's gradient is its adjoint, the op beside it (attribute r: the filter size, 3 by default):
//   KgWinogradInput      x  (N, H, W, C)          -> v  (R*R, N * th * tw, C)  v = B^T d B over R x R tiles, stride 2
//   KgWinogradInputGrad  dv (R*R, N * th * tw, C) -> dx (N, H, W, C)          the adjoint (overlapping tiles summed)
//   KgWinogradOutput     m  (R*R, N * th * tw, K) -> y  (N, H-r+1, W-r+1, K)  y = A^T m A over 2x2 output tiles
//   KgWinogradOutputGrad dy (N, H-r+1, W-r+1, K)  -> dm (R*R, N * th * tw, K) the adjoint
// th = ceil((H - r + 1) / 2), tw likewise; pixels outside the input read as zeros, outputs outside y are dropped.
// Sums run in float32 whatever the storage type (float32 or bfloat16, rounded to nearest even).
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

// The two algorithms: each gives its tile size R, its data transform B^T d B of one tile, its output transform
// A^T m A, that transform's adjoint, and the nonzero entries of each column of B^T (for the data transform's adjoint).
// The transforms are written out (no multiplies by 0 or 1), on float32 values of one channel.

// The nonzero entries of B^T's column a (the rows i with BT[i][a] != 0, and the values): an input pixel at offset a
// in a tile receives sum_i BT[i][a] (...)_i.
struct Column {
  int count;
  int row[3];
  float sign[3];
};

// F(2x2, 3x3): B^T = [1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]; A^T = [1, 1, 1, 0], [0, 1, -1, -1].
struct F23 {
  static constexpr int R = 4;
  static constexpr int kAxisTerms = 4;  // tiles covering a pixel along one axis, times B^T's nonzeros: always 1 + 3
  static constexpr Column kColumns[4] = {{1, {0, 0, 0}, {1, 0, 0}},
                                         {3, {1, 2, 3}, {1, -1, 1}},
                                         {3, {0, 1, 2}, {-1, 1, 1}},
                                         {1, {3, 0, 0}, {-1, 0, 0}}};
  static inline void rows(float d0, float d1, float d2, float d3, float* r, int stride) {  // B^T times a column
    r[0] = d0 - d2;
    r[stride] = d1 + d2;
    r[2 * stride] = d2 - d1;
    r[3 * stride] = d1 - d3;
  }
  static inline void input(const float (&d)[4][4], float (&v)[16]) {
    float r[4][4];  // r[i][b] = sum_a BT[i][a] d[a][b]
    for (int b = 0; b < 4; ++b) rows(d[0][b], d[1][b], d[2][b], d[3][b], &r[0][b], 4);
    for (int i = 0; i < 4; ++i) rows(r[i][0], r[i][1], r[i][2], r[i][3], &v[4 * i], 1);
  }
  static inline void output(const float (&m)[16], float (&y)[2][2]) {
    float r[2][4];  // r[p][j] = sum_i AT[p][i] m[(i, j)]
    for (int j = 0; j < 4; ++j) {
      r[0][j] = m[j] + m[4 + j] + m[8 + j];
      r[1][j] = m[4 + j] - m[8 + j] - m[12 + j];
    }
    for (int p = 0; p < 2; ++p) {
      y[p][0] = r[p][0] + r[p][1] + r[p][2];
      y[p][1] = r[p][1] - r[p][2] - r[p][3];
    }
  }
  static inline void output_adjoint(const float (&e)[2][2], float (&m)[16]) {
    const float c0[4] = {e[0][0], e[0][0] + e[1][0], e[0][0] - e[1][0], -e[1][0]};  // A times column q = 0
    const float c1[4] = {e[0][1], e[0][1] + e[1][1], e[0][1] - e[1][1], -e[1][1]};
    for (int i = 0; i < 4; ++i) {
      m[4 * i] = c0[i];
      m[4 * i + 1] = c0[i] + c1[i];
      m[4 * i + 2] = c0[i] - c1[i];
      m[4 * i + 3] = -c1[i];
    }
  }
};
constexpr Column F23::kColumns[4];

// F(2x2, 2x2): B^T = [1, -1, 0], [0, 1, 0], [0, -1, 1]; A^T = [1, 1, 0], [0, 1, 1] (points 0, 1 and infinity).
struct F22 {
  static constexpr int R = 3;
  static constexpr int kAxisTerms = 3;  // even pixels: 1 + 1 (offsets 0 and 2), odd: 3 (offset 1)
  static constexpr Column kColumns[3] = {{1, {0, 0, 0}, {1, 0, 0}},
                                         {3, {0, 1, 2}, {-1, 1, -1}},
                                         {1, {2, 0, 0}, {1, 0, 0}}};
  static inline void input(const float (&d)[3][3], float (&v)[9]) {
    float r[3][3];
    for (int b = 0; b < 3; ++b) {
      r[0][b] = d[0][b] - d[1][b];
      r[1][b] = d[1][b];
      r[2][b] = d[2][b] - d[1][b];
    }
    for (int i = 0; i < 3; ++i) {
      v[3 * i] = r[i][0] - r[i][1];
      v[3 * i + 1] = r[i][1];
      v[3 * i + 2] = r[i][2] - r[i][1];
    }
  }
  static inline void output(const float (&m)[9], float (&y)[2][2]) {
    float r[2][3];
    for (int j = 0; j < 3; ++j) {
      r[0][j] = m[j] + m[3 + j];
      r[1][j] = m[3 + j] + m[6 + j];
    }
    for (int p = 0; p < 2; ++p) {
      y[p][0] = r[p][0] + r[p][1];
      y[p][1] = r[p][1] + r[p][2];
    }
  }
  static inline void output_adjoint(const float (&e)[2][2], float (&m)[9]) {
    const float c0[3] = {e[0][0], e[0][0] + e[1][0], e[1][0]};
    const float c1[3] = {e[0][1], e[0][1] + e[1][1], e[1][1]};
    for (int i = 0; i < 3; ++i) {
      m[3 * i] = c0[i];
      m[3 * i + 1] = c0[i] + c1[i];
      m[3 * i + 2] = c1[i];
    }
  }
};
constexpr Column F22::kColumns[3];

// Tile geometry shared by the four ops: 2x2 output tiles over an (h - r + 1) x (w - r + 1) output.
struct Tiles {
  int64_t n, h, w, th, tw;  // h, w: the input's size
  int64_t count() const { return n * th * tw; }
  // Tile t's image and tile row and column.
  void locate(int64_t t, int64_t* image, int64_t* ty, int64_t* tx) const {
    *image = t / (th * tw);
    *ty = (t / tw) % th;
    *tx = t % tw;
  }
};

template <class F>
Tiles tiles_for_input(int64_t n, int64_t h, int64_t w) {
  return Tiles{n, h, w, (h - F::R + 3) / 2, (w - F::R + 3) / 2};  // ceil(output size / 2), output = h - R + 2
}

// work(begin, end) over [0, total) on TensorFlow's CPU worker threads; cost: operations per unit, for the sharding.
template <typename Work>
void parallel_for(OpKernelContext* ctx, int64_t total, int64_t cost, Work work) {
  auto* pool = ctx->device()->tensorflow_cpu_worker_threads();
  tensorflow::Shard(pool->num_threads, pool->workers, total, cost, work);
}

// The rows of channels of the N x N pixels from (y0, x0) of image n of an (n, h, w, c) tensor at base; pixels
// outside the image get `outside` (a row of zeros to read, or a scratch row to write).
template <int N, typename P, typename Q>
void block_rows(P* base, int64_t n, int64_t y0, int64_t x0, int64_t h, int64_t w, int64_t c, Q* outside,
                P* (&rows)[N][N]) {
  for (int a = 0; a < N; ++a) {
    for (int b = 0; b < N; ++b) {
      const int64_t y = y0 + a, x = x0 + b;
      rows[a][b] = (y < h && x < w) ? base + ((n * h + y) * w + x) * c : outside;
    }
  }
}

// The loops below run over channels innermost, with every operand a pointer to a contiguous row of channels: the
// compiler vectorizes them. Reads outside the image point at a row of zeros, writes outside the output at a
// scratch row, so the loops have no branches.

// Input transform: v[(i, j), t, c] = sum_ab BT[i][a] d[a][b] BT[j][b] over the tile's R x R pixels d.
template <typename T, class F>
void input_transform(OpKernelContext* ctx) {
  constexpr int R = F::R;
  const Tensor& x = ctx->input(0);
  OP_REQUIRES(ctx, x.dims() == 4, InvalidArgument("KgWinogradInput: x must be 4-D, got ", x.shape().DebugString()));
  OP_REQUIRES(ctx, x.dim_size(1) >= R - 1 && x.dim_size(2) >= R - 1,
              InvalidArgument("KgWinogradInput: height and width must be at least ", R - 1, ", got ",
                              x.shape().DebugString()));
  const int64_t c = x.dim_size(3);
  const Tiles g = tiles_for_input<F>(x.dim_size(0), x.dim_size(1), x.dim_size(2));
  Tensor* v = nullptr;
  OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({R * R, g.count(), c}), &v));
  const T* src = x.flat<T>().data();
  T* dst = v->flat<T>().data();
  const int64_t plane = g.count() * c;
  auto work = [&](int64_t begin, int64_t end) {
    std::vector<T> zeros(c, store<T>(0.f));
    for (int64_t t = begin; t < end; ++t) {
      int64_t n, ty, tx;
      g.locate(t, &n, &ty, &tx);
      const T* p[R][R];
      block_rows(src, n, 2 * ty, 2 * tx, g.h, g.w, c, zeros.data(), p);
      T* o = dst + t * c;
      #pragma GCC ivdep
      for (int64_t k = 0; k < c; ++k) {
        float d[R][R], out[R * R];
        #pragma GCC unroll 16
        for (int a = 0; a < R; ++a) {
          #pragma GCC unroll 16
          for (int b = 0; b < R; ++b) d[a][b] = load(p[a][b][k]);
        }
        F::input(d, out);
        #pragma GCC unroll 16
        for (int q = 0; q < R * R; ++q) o[q * plane + k] = store<T>(out[q]);
      }
    }
  };
  parallel_for(ctx, g.count(), 4 * R * R * c, work);
}

// Its adjoint: dx[n, y, x] = sum over the tiles covering (y, x) (offsets a = y % 2, y % 2 + 2, ... below R along
// each axis) of sum_ij BT[i][a] BT[j][b] dv[(i, j)]: up to kAxisTerms^2 signed terms per pixel, gathered, so each
// pixel is written by one thread.
template <typename T, class F>
void input_transform_adjoint(OpKernelContext* ctx) {
  constexpr int R = F::R, A = F::kAxisTerms;
  const Tensor& dv = ctx->input(0);
  const Tensor& shape = ctx->input(1);
  OP_REQUIRES(ctx, shape.NumElements() == 4, InvalidArgument("KgWinogradInputGrad: shape must have 4 elements"));
  auto s = shape.flat<int32_t>();
  OP_REQUIRES(ctx, s(1) >= R - 1 && s(2) >= R - 1,
              InvalidArgument("KgWinogradInputGrad: height and width must be at least ", R - 1));
  const Tiles g = tiles_for_input<F>(s(0), s(1), s(2));
  const int64_t c = s(3);
  OP_REQUIRES(ctx, dv.dims() == 3 && dv.dim_size(0) == R * R && dv.dim_size(1) == g.count() && dv.dim_size(2) == c,
              InvalidArgument("KgWinogradInputGrad: dv ", dv.shape().DebugString(), " does not match the shape"));
  Tensor* dx = nullptr;
  OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({s(0), s(1), s(2), s(3)}), &dx));
  const T* src = dv.flat<T>().data();
  T* dst = dx->flat<T>().data();
  const int64_t plane = g.count() * c;
  // The (tile index along the axis, offset in the tile) pairs covering position y, as up to A (tile, BT row, sign)
  // terms; a tile outside the grid, or an unused term, contributes a row of zeros.
  struct Terms {
    int64_t tile[A];
    int row[A];
    float sign[A];
  };
  auto terms = [](int64_t y, int64_t tiles) {
    Terms out{};
    for (int q = 0; q < A; ++q) out.tile[q] = -1;
    int m = 0;
    for (int64_t a = y % 2; a < R; a += 2) {
      const int64_t t = (y - a) / 2;
      const Column& col = F::kColumns[a];
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
        const T* p[A * A];
        float w[A * A];
        for (int u = 0; u < A; ++u) {
          for (int v = 0; v < A; ++v) {
            const bool inside = ry.tile[u] >= 0 && rx.tile[v] >= 0;
            const int64_t t = (n * g.th + ry.tile[u]) * g.tw + rx.tile[v];
            p[A * u + v] = inside ? src + (R * ry.row[u] + rx.row[v]) * plane + t * c : zeros.data();
            w[A * u + v] = inside ? ry.sign[u] * rx.sign[v] : 0.f;
          }
        }
        T* o = dst + ((n * g.h + y) * g.w + xx) * c;
        #pragma GCC ivdep
        for (int64_t k = 0; k < c; ++k) {
          float acc = 0.f;
          #pragma GCC unroll 16
          for (int q = 0; q < A * A; ++q) acc += w[q] * load(p[q][k]);
          o[k] = store<T>(acc);
        }
      }
    }
  };
  parallel_for(ctx, g.n * g.h, 2 * A * A * g.w * c, work);
}

// Output transform: y[2ty + p, 2tx + q] = sum_ij AT[p][i] m[(i, j)] AT[q][j].
template <typename T, class F>
void output_transform(OpKernelContext* ctx) {
  constexpr int R = F::R;
  const Tensor& m = ctx->input(0);
  const Tensor& shape = ctx->input(1);
  OP_REQUIRES(ctx, shape.NumElements() == 4, InvalidArgument("KgWinogradOutput: shape must have 4 elements"));
  auto s = shape.flat<int32_t>();  // the output's shape (N, H - r + 1, W - r + 1, K)
  OP_REQUIRES(ctx, s(1) >= 1 && s(2) >= 1, InvalidArgument("KgWinogradOutput: height and width must be >= 1"));
  const Tiles g = tiles_for_input<F>(s(0), s(1) + R - 2, s(2) + R - 2);
  const int64_t k_out = s(3), ho = s(1), wo = s(2);
  OP_REQUIRES(ctx, m.dims() == 3 && m.dim_size(0) == R * R && m.dim_size(1) == g.count() && m.dim_size(2) == k_out,
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
      block_rows(dst, n, 2 * ty, 2 * tx, ho, wo, k_out, scratch.data(), o);
      const T* p = src + t * k_out;
      #pragma GCC ivdep
      for (int64_t k = 0; k < k_out; ++k) {
        float in[R * R], out[2][2];
        #pragma GCC unroll 16
        for (int q = 0; q < R * R; ++q) in[q] = load(p[q * plane + k]);
        F::output(in, out);
        for (int pp = 0; pp < 2; ++pp) {
          o[pp][0][k] = store<T>(out[pp][0]);
          o[pp][1][k] = store<T>(out[pp][1]);
        }
      }
    }
  };
  parallel_for(ctx, g.count(), 4 * R * R * k_out, work);
}

// Its adjoint: dm[(i, j), t] = sum_pq AT[p][i] AT[q][j] dy[2ty + p, 2tx + q] (zero outside dy).
template <typename T, class F>
void output_transform_adjoint(OpKernelContext* ctx) {
  constexpr int R = F::R;
  const Tensor& dy = ctx->input(0);
  OP_REQUIRES(ctx, dy.dims() == 4, InvalidArgument("KgWinogradOutputGrad: dy must be 4-D"));
  const int64_t ho = dy.dim_size(1), wo = dy.dim_size(2), k_out = dy.dim_size(3);
  const Tiles g = tiles_for_input<F>(dy.dim_size(0), ho + R - 2, wo + R - 2);
  Tensor* dm = nullptr;
  OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({R * R, g.count(), k_out}), &dm));
  const T* src = dy.flat<T>().data();
  T* dst = dm->flat<T>().data();
  const int64_t plane = g.count() * k_out;
  auto work = [&](int64_t begin, int64_t end) {
    std::vector<T> zeros(k_out, store<T>(0.f));
    for (int64_t t = begin; t < end; ++t) {
      int64_t n, ty, tx;
      g.locate(t, &n, &ty, &tx);
      const T* e[2][2];
      block_rows(src, n, 2 * ty, 2 * tx, ho, wo, k_out, zeros.data(), e);
      T* o = dst + t * k_out;
      #pragma GCC ivdep
      for (int64_t k = 0; k < k_out; ++k) {
        const float in[2][2] = {{load(e[0][0][k]), load(e[0][1][k])}, {load(e[1][0][k]), load(e[1][1][k])}};
        float out[R * R];
        F::output_adjoint(in, out);
        #pragma GCC unroll 16
        for (int q = 0; q < R * R; ++q) o[q * plane + k] = store<T>(out[q]);
      }
    }
  };
  parallel_for(ctx, g.count(), 4 * R * R * k_out, work);
}

// An op whose attribute r (2 or 3) picks the F(2x2, 2x2) or F(2x2, 3x3) instance of its transform.
template <void (*kF22)(OpKernelContext*), void (*kF23)(OpKernelContext*)>
class TransformOp : public OpKernel {
 public:
  explicit TransformOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("r", &r_));
    OP_REQUIRES(ctx, r_ == 2 || r_ == 3, InvalidArgument("Winograd ops: r must be 2 or 3, got ", r_));
  }
  void Compute(OpKernelContext* ctx) override { (r_ == 3 ? kF23 : kF22)(ctx); }

 private:
  int r_ = 3;
};

template <typename T>
using InputOp = TransformOp<input_transform<T, F22>, input_transform<T, F23>>;
template <typename T>
using InputGradOp = TransformOp<input_transform_adjoint<T, F22>, input_transform_adjoint<T, F23>>;
template <typename T>
using OutputOp = TransformOp<output_transform<T, F22>, output_transform<T, F23>>;
template <typename T>
using OutputGradOp = TransformOp<output_transform_adjoint<T, F22>, output_transform_adjoint<T, F23>>;

}  // namespace

using shape_inference::DimensionHandle;
using shape_inference::InferenceContext;
using shape_inference::ShapeHandle;

namespace {
// The transformed tensors' first two dimensions for the filter size r (tile R = r + 1) and s: (N, H, W, C) of the
// input (plus = 0) or of the output (plus = r - 1).
absl::Status transformed_shape(InferenceContext* c, ShapeHandle s, int64_t plus, ShapeHandle* out) {
  int r = 3;
  TF_RETURN_IF_ERROR(c->GetAttr("r", &r));
  DimensionHandle n = c->Dim(s, 0), h = c->Dim(s, 1), w = c->Dim(s, 2);
  DimensionHandle count = c->UnknownDim();
  if (c->ValueKnown(n) && c->ValueKnown(h) && c->ValueKnown(w)) {
    count = c->MakeDim(c->Value(n) * ((c->Value(h) + plus - r + 2) / 2) * ((c->Value(w) + plus - r + 2) / 2));
  }
  *out = c->MakeShape({c->MakeDim((r + 1) * (r + 1)), count, c->Dim(s, 3)});
  return absl::OkStatus();
}
// The output's shape is the value of input 1 (a 4-element shape tensor).
absl::Status shape_from_input_1(InferenceContext* c) {
  ShapeHandle out;
  TF_RETURN_IF_ERROR(c->MakeShapeFromShapeTensor(1, &out));
  TF_RETURN_IF_ERROR(c->WithRank(out, 4, &out));
  c->set_output(0, out);
  return absl::OkStatus();
}
// The transformed input's (plus = 0) or output gradient's (plus = r - 1) shape from input 0.
template <bool kOfOutput>
absl::Status transformed_from_input_0(InferenceContext* c) {
  int r = 3;
  TF_RETURN_IF_ERROR(c->GetAttr("r", &r));
  ShapeHandle s, out;
  TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 4, &s));
  TF_RETURN_IF_ERROR(transformed_shape(c, s, kOfOutput ? r - 1 : 0, &out));
  c->set_output(0, out);
  return absl::OkStatus();
}
}  // namespace

REGISTER_OP("KgWinogradInput")
    .Input("x: T")
    .Output("v: T")
    .Attr("T: {float, bfloat16}")
    .Attr("r: int = 3")
    .SetShapeFn(transformed_from_input_0<false>);

REGISTER_OP("KgWinogradInputGrad")
    .Input("dv: T")
    .Input("shape: int32")
    .Output("dx: T")
    .Attr("T: {float, bfloat16}")
    .Attr("r: int = 3")
    .SetShapeFn(shape_from_input_1);

REGISTER_OP("KgWinogradOutput")
    .Input("m: T")
    .Input("shape: int32")
    .Output("y: T")
    .Attr("T: {float, bfloat16}")
    .Attr("r: int = 3")
    .SetShapeFn(shape_from_input_1);

REGISTER_OP("KgWinogradOutputGrad")
    .Input("dy: T")
    .Output("dm: T")
    .Attr("T: {float, bfloat16}")
    .Attr("r: int = 3")
    .SetShapeFn(transformed_from_input_0<true>);

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
