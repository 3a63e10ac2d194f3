#include "stages/hash_match/pdq.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace modstream {
namespace {

constexpr int kDecimated = 64;
constexpr int kDct = 16;
constexpr int kFilterPasses = 2;
// Images narrower than this on either side carry too little to hash: the reference returns an
// all-zero hash with quality 0 for them.
constexpr int kMinHashableSide = 5;

// The 16x64 DCT-II basis rows 1..16 (row 0, the mean, carries no structure and is skipped).
struct DctMatrix {
  std::array<float, kDct * kDecimated> values{};
  DctMatrix() {
    // The scale is rounded to float before use, as in the reference, so products match bit for bit.
    const float scale = static_cast<float>(std::sqrt(2.0 / kDecimated));
    for (int i = 0; i < kDct; ++i) {
      for (int j = 0; j < kDecimated; ++j) {
        values[i * kDecimated + j] =
            static_cast<float>(scale * std::cos((M_PI / 2 / kDecimated) * (i + 1) * (2 * j + 1)));
      }
    }
  }
};
const DctMatrix kDctMatrix;

// A box filter of `window` taps along a strided vector. Near the ends the window is cut short and
// the average is over the taps that exist, so the output has the input's length.
void box1D(const float* in, float* out, int length, int stride, int window) {
  const int half = (window + 2) / 2;
  const int warmup = half - 1;            // taps summed before the first output
  const int growing = window - half + 1;  // outputs while the window still grows
  const int full = length - window;       // outputs with the full window
  const int shrinking = half - 1;         // outputs while the window shrinks at the end
  float sum = 0.0f;
  int count = 0;
  int left = 0, right = 0, o = 0;
  for (int i = 0; i < warmup; ++i, right += stride) {
    sum += in[right];
    ++count;
  }
  for (int i = 0; i < growing; ++i, right += stride, o += stride) {
    sum += in[right];
    ++count;
    out[o] = sum / static_cast<float>(count);
  }
  for (int i = 0; i < full; ++i, left += stride, right += stride, o += stride) {
    sum += in[right];
    sum -= in[left];
    out[o] = sum / static_cast<float>(count);
  }
  for (int i = 0; i < shrinking; ++i, left += stride, o += stride) {
    sum -= in[left];
    --count;
    out[o] = sum / static_cast<float>(count);
  }
}

// box1D down every column at once: the same additions, subtractions and divisions per column as
// box1D with a stride of `cols`, in the same order (so bit-identical), but walking memory row by
// row, which keeps it in cache and lets the compiler vectorise across columns.
void boxAlongColumns(const float* in, float* out, int rows, int cols, int window,
                     std::vector<float>& sums) {
  const int half = (window + 2) / 2;
  const int warmup = half - 1, growing = window - half + 1, full = rows - window,
            shrinking = half - 1;
  sums.assign(static_cast<size_t>(cols), 0.0f);
  float* sum = sums.data();
  int count = 0, left = 0, right = 0, o = 0;
  auto row = [&](int r) { return in + static_cast<size_t>(r) * cols; };
  auto outRow = [&](int r) { return out + static_cast<size_t>(r) * cols; };
  for (int i = 0; i < warmup; ++i, ++right) {
    const float* add = row(right);
    for (int c = 0; c < cols; ++c) sum[c] += add[c];
    ++count;
  }
  for (int i = 0; i < growing; ++i, ++right, ++o) {
    const float* add = row(right);
    float* dst = outRow(o);
    ++count;
    const auto n = static_cast<float>(count);
    for (int c = 0; c < cols; ++c) {
      sum[c] += add[c];
      dst[c] = sum[c] / n;
    }
  }
  for (int i = 0; i < full; ++i, ++left, ++right, ++o) {
    const float* add = row(right);
    const float* sub = row(left);
    float* dst = outRow(o);
    const auto n = static_cast<float>(count);
    for (int c = 0; c < cols; ++c) {
      sum[c] += add[c];
      sum[c] -= sub[c];
      dst[c] = sum[c] / n;
    }
  }
  for (int i = 0; i < shrinking; ++i, ++left, ++o) {
    const float* sub = row(left);
    float* dst = outRow(o);
    --count;
    const auto n = static_cast<float>(count);
    for (int c = 0; c < cols; ++c) {
      sum[c] -= sub[c];
      dst[c] = sum[c] / n;
    }
  }
}

// Two passes of horizontal then vertical box filtering approximate a tent (Jarosz) filter.
void jaroszFilter(float* buffer, float* temp, int rows, int cols, int window_along_rows,
                  int window_along_cols, std::vector<float>& sums) {
  for (int pass = 0; pass < kFilterPasses; ++pass) {
    for (int r = 0; r < rows; ++r) {
      box1D(buffer + static_cast<size_t>(r) * cols, temp + static_cast<size_t>(r) * cols, cols, 1,
            window_along_rows);
    }
    boxAlongColumns(temp, buffer, rows, cols, window_along_cols, sums);
  }
}

void decimate(const float* in, int rows, int cols, float* out) {
  for (int i = 0; i < kDecimated; ++i) {
    const int in_row = static_cast<int>(((i + 0.5) * rows) / kDecimated);
    for (int j = 0; j < kDecimated; ++j) {
      const int in_col = static_cast<int>(((j + 0.5) * cols) / kDecimated);
      out[i * kDecimated + j] = in[static_cast<size_t>(in_row) * cols + in_col];
    }
  }
}

// Sum of absolute neighbour differences, in percent of full scale, over 90: 100 for ordinary
// photos, near 0 for flat or nearly flat images whose hashes are noise.
int imageQuality(const float* image) {
  int gradient_sum = 0;
  for (int i = 0; i < kDecimated - 1; ++i) {
    for (int j = 0; j < kDecimated; ++j) {
      const float u = image[i * kDecimated + j];
      const float v = image[(i + 1) * kDecimated + j];
      gradient_sum += std::abs(static_cast<int>(((u - v) * 100) / 255));
    }
  }
  for (int i = 0; i < kDecimated; ++i) {
    for (int j = 0; j < kDecimated - 1; ++j) {
      const float u = image[i * kDecimated + j];
      const float v = image[i * kDecimated + j + 1];
      gradient_sum += std::abs(static_cast<int>(((u - v) * 100) / 255));
    }
  }
  return std::min(gradient_sum / 90, 100);
}

// dct16 = D * image * D^T, summed in float in index order.
void dct64To16(const float* image, float* partial, float* dct16) {
  const float* d = kDctMatrix.values.data();
  for (int i = 0; i < kDct; ++i) {
    for (int j = 0; j < kDecimated; ++j) {
      float sum = 0.0f;
      for (int k = 0; k < kDecimated; ++k) sum += d[i * kDecimated + k] * image[k * kDecimated + j];
      partial[i * kDecimated + j] = sum;
    }
  }
  for (int i = 0; i < kDct; ++i) {
    for (int j = 0; j < kDct; ++j) {
      float sum = 0.0f;
      for (int k = 0; k < kDecimated; ++k)
        sum += partial[i * kDecimated + k] * d[j * kDecimated + k];
      dct16[i * kDct + j] = sum;
    }
  }
}

// Bits above the median (the lower median of 256 values) are set.
PdqHash thresholdAtMedian(const float* dct16) {
  std::array<float, kDct * kDct> sorted;
  std::copy(dct16, dct16 + kDct * kDct, sorted.begin());
  std::nth_element(sorted.begin(), sorted.begin() + 127, sorted.end());
  const float median = sorted[127];
  PdqHash hash;
  for (int k = 0; k < kDct * kDct; ++k) {
    if (dct16[k] > median) hash.setBit(k);
  }
  return hash;
}

// The DCT of a transformed image, from the DCT of the original: flipping along an axis negates
// coefficients of odd frequency (basis rows are 1-based, so index u has frequency u + 1);
// transposing swaps the axes.
PdqHash dihedralHash(const float* dct16, Dihedral d) {
  std::array<float, kDct * kDct> out;
  for (int i = 0; i < kDct; ++i) {
    for (int j = 0; j < kDct; ++j) {
      const float v = dct16[i * kDct + j];
      const float row_sign = (i & 1) ? 1.0f : -1.0f;  // (-1)^(i+1)
      const float col_sign = (j & 1) ? 1.0f : -1.0f;  // (-1)^(j+1)
      switch (d) {
        case Dihedral::kOriginal:
          out[i * kDct + j] = v;
          break;
        case Dihedral::kRotate90:
          out[j * kDct + i] = v * col_sign;
          break;
        case Dihedral::kRotate180:
          out[i * kDct + j] = v * row_sign * col_sign;
          break;
        case Dihedral::kRotate270:
          out[j * kDct + i] = v * row_sign;
          break;
        case Dihedral::kFlipX:  // mirror about the horizontal axis: rows reversed
          out[i * kDct + j] = v * row_sign;
          break;
        case Dihedral::kFlipY:  // mirror about the vertical axis: columns reversed
          out[i * kDct + j] = v * col_sign;
          break;
        case Dihedral::kFlipPlus1:
          out[j * kDct + i] = v;
          break;
        case Dihedral::kFlipMinus1:
          out[j * kDct + i] = v * row_sign * col_sign;
          break;
      }
    }
  }
  return thresholdAtMedian(out.data());
}

}  // namespace

std::string PdqHash::hex() const {
  std::string out(64, '0');
  static constexpr char kHex[] = "0123456789abcdef";
  for (int nibble = 0; nibble < 64; ++nibble) {
    const int bit = 4 * (63 - nibble);  // the first hex digit holds bits 255..252
    const unsigned value = static_cast<unsigned>((words[bit >> 6] >> (bit & 63)) & 0xf);
    out[nibble] = kHex[value];
  }
  return out;
}

std::optional<PdqHash> PdqHash::fromHex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  PdqHash hash;
  for (int nibble = 0; nibble < 64; ++nibble) {
    const char c = hex[nibble];
    unsigned value;
    if (c >= '0' && c <= '9') {
      value = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      value = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      value = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    const int bit = 4 * (63 - nibble);
    hash.words[bit >> 6] |= uint64_t{value} << (bit & 63);
  }
  return hash;
}

std::string_view dihedralName(Dihedral d) {
  static constexpr std::string_view kNames[] = {"original", "rotate90", "rotate180", "rotate270",
                                                "flipx",    "flipy",    "flipplus1", "flipminus1"};
  return kNames[static_cast<int>(d)];
}

int jaroszWindowSize(int old_dimension, int new_dimension) {
  return (old_dimension + 2 * new_dimension - 1) / (2 * new_dimension);
}

void PdqHasher::fillLuma(const uint8_t* rgb, int rows, int cols) {
  const size_t pixels = static_cast<size_t>(rows) * cols;
  luma_.resize(pixels);
  for (size_t p = 0; p < pixels; ++p) {
    const uint8_t* px = rgb + 3 * p;
    luma_[p] = static_cast<float>(px[0] * 0.299 + px[1] * 0.587 + px[2] * 0.114);
  }
}

int PdqHasher::dctFromLuma(float* luma, int rows, int cols) {
  scratch_.resize(static_cast<size_t>(rows) * cols);
  jaroszFilter(luma, scratch_.data(), rows, cols, jaroszWindowSize(cols, kDecimated),
               jaroszWindowSize(rows, kDecimated), column_sums_);
  decimate(luma, rows, cols, decimated_.data());
  const int quality = imageQuality(decimated_.data());
  dct64To16(decimated_.data(), partial_.data(), dct16_.data());
  return quality;
}

PdqResult PdqHasher::hashLuma(float* luma, int rows, int cols) {
  PdqResult result;
  if (rows < kMinHashableSide || cols < kMinHashableSide) return result;  // zero hash, quality 0
  result.quality = dctFromLuma(luma, rows, cols);
  result.hash = thresholdAtMedian(dct16_.data());
  return result;
}

PdqDihedralResult PdqHasher::hashLumaDihedral(float* luma, int rows, int cols) {
  PdqDihedralResult result;
  if (rows < kMinHashableSide || cols < kMinHashableSide) return result;
  result.quality = dctFromLuma(luma, rows, cols);
  for (int d = 0; d < kDihedralCount; ++d) {
    result.hashes[d] = dihedralHash(dct16_.data(), static_cast<Dihedral>(d));
  }
  return result;
}

PdqResult PdqHasher::hashRgb(const uint8_t* rgb, int rows, int cols) {
  fillLuma(rgb, rows, cols);
  return hashLuma(luma_.data(), rows, cols);
}

PdqDihedralResult PdqHasher::hashRgbDihedral(const uint8_t* rgb, int rows, int cols) {
  fillLuma(rgb, rows, cols);
  return hashLumaDihedral(luma_.data(), rows, cols);
}

}  // namespace modstream
