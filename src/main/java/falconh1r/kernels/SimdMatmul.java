package falconh1r.kernels;

import static falconh1r.kernels.Vectors.F;
import static falconh1r.kernels.Vectors.I;
import static falconh1r.kernels.Vectors.L;
import static falconh1r.kernels.Vectors.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The register-blocked Vector API matrix kernels behind {@link SimdBackend}. Each method works on
 * a block of the output; {@link SimdBackend} decides how blocks are split over threads.
 *
 * <p>Forward ({@code C = A·Bᵀ}, both operands contiguous in k): every output is a dot product, so
 * the kernel keeps a 4×3 tile of vector accumulators, loads 4 rows of A and 3 rows of B once per
 * k-step and reuses each load 3 or 4 times (Jlama's tinyBLAS-style tiles, llm.c's weight reuse
 * across tokens), and reduces lanes once per output at the end.
 *
 * <p>Backward ({@code dX += dY·W}, {@code dWᵀ}-style {@code dW += dYᵀ·X}): both are
 * {@code C[i,p] += Σ_j A(i,j)·B[j,p]} with B row-major in p, computed as broadcast-and-axpy with a
 * 4-row × 4-vector tile of C held in registers (narrower tiles at the column edge), B blocked over
 * j; no horizontal sums. A forward product with a short reduction runs on this kernel too
 * ({@link #forwardShortBlock}).
 */
final class SimdMatmul {
    private SimdMatmul() {}

    /** Reductions at most this long go through {@link #forwardShortBlock} (four vectors). */
    static final int SHORT_K = 4 * L;
    /** Rows of A per forward tile. */
    static final int MR = 4;
    /** Rows of B per forward tile. */
    static final int NR = 3;
    /**
     * Rows of B per pass of the accumulate kernel: its [K_BLOCK, 4 vectors] panel (64 KiB at 16 lanes)
     * stays in L2 while every row tile of C passes over it (measured at dX[256,256] += dY[256,8192]·W:
     * 46 → 103 GFLOP/s on one core).
     */
    static final int K_BLOCK = 256;
    /** Bytes of B kept hot (in L2) while all rows of A stream past it. */
    private static final int B_BLOCK_BYTES = 256 * 1024;

    /** Rows of B per cache block for reduction length k: a multiple of {@link #NR}. */
    static int bBlockRows(int k) {
        int rows = B_BLOCK_BYTES / Math.max(1, 4 * k);
        return Math.max(NR, rows / NR * NR);
    }

    /**
     * {@code C[i,j] = A[i,:]·B[j,:]} for {@code i ∈ [i0,i1)}, {@code j ∈ [j0,j1)}.
     * A is [m,k], B is [n,k], C is [m,n], all dense from their offsets.
     */
    static void forwardBlock(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff,
                             int n, int k, int i0, int i1, int j0, int j1) {
        int nb = bBlockRows(k);
        for (int jb = j0; jb < j1; jb += nb) {
            int je = Math.min(j1, jb + nb);
            int i = i0;
            for (; i + MR <= i1; i += MR) {
                int j = jb;
                for (; j + NR <= je; j += NR) tile4x3(c, cOff, a, aOff, b, bOff, n, k, i, j);
                for (; j < je; j++) {
                    for (int r = 0; r < MR; r++) {
                        c[cOff + (i + r) * n + j] = dot(a, aOff + (i + r) * k, b, bOff + j * k, k);
                    }
                }
            }
            for (; i < i1; i++) {
                int j = jb;
                for (; j + 8 <= je; j += 8) tile1x8(c, cOff, a, aOff, b, bOff, n, k, i, j);
                for (; j < je; j++) c[cOff + i * n + j] = dot(a, aOff + i * k, b, bOff + j * k, k);
            }
        }
    }

    /** 4 rows of A × 3 rows of B: 12 accumulators, 7 loads per 12 FMAs. */
    private static void tile4x3(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff,
                                int n, int k, int i, int j) {
        int a0 = aOff + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        int b0 = bOff + j * k, b1 = b0 + k, b2 = b1 + k;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        int bound = F.loopBound(k);
        int p = 0;
        for (; p < bound; p += L) {
            FloatVector vb0 = FloatVector.fromArray(F, b, b0 + p);
            FloatVector vb1 = FloatVector.fromArray(F, b, b1 + p);
            FloatVector vb2 = FloatVector.fromArray(F, b, b2 + p);
            FloatVector va = FloatVector.fromArray(F, a, a0 + p);
            c00 = va.fma(vb0, c00); c01 = va.fma(vb1, c01); c02 = va.fma(vb2, c02);
            va = FloatVector.fromArray(F, a, a1 + p);
            c10 = va.fma(vb0, c10); c11 = va.fma(vb1, c11); c12 = va.fma(vb2, c12);
            va = FloatVector.fromArray(F, a, a2 + p);
            c20 = va.fma(vb0, c20); c21 = va.fma(vb1, c21); c22 = va.fma(vb2, c22);
            va = FloatVector.fromArray(F, a, a3 + p);
            c30 = va.fma(vb0, c30); c31 = va.fma(vb1, c31); c32 = va.fma(vb2, c32);
        }
        float s00 = c00.reduceLanes(VectorOperators.ADD), s01 = c01.reduceLanes(VectorOperators.ADD);
        float s02 = c02.reduceLanes(VectorOperators.ADD), s10 = c10.reduceLanes(VectorOperators.ADD);
        float s11 = c11.reduceLanes(VectorOperators.ADD), s12 = c12.reduceLanes(VectorOperators.ADD);
        float s20 = c20.reduceLanes(VectorOperators.ADD), s21 = c21.reduceLanes(VectorOperators.ADD);
        float s22 = c22.reduceLanes(VectorOperators.ADD), s30 = c30.reduceLanes(VectorOperators.ADD);
        float s31 = c31.reduceLanes(VectorOperators.ADD), s32 = c32.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            float x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p];
            float y0 = b[b0 + p], y1 = b[b1 + p], y2 = b[b2 + p];
            s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2;
            s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2;
            s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2;
            s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2;
        }
        int r0 = cOff + i * n + j;
        c[r0] = s00; c[r0 + 1] = s01; c[r0 + 2] = s02;
        r0 += n;
        c[r0] = s10; c[r0 + 1] = s11; c[r0 + 2] = s12;
        r0 += n;
        c[r0] = s20; c[r0 + 1] = s21; c[r0 + 2] = s22;
        r0 += n;
        c[r0] = s30; c[r0 + 1] = s31; c[r0 + 2] = s32;
    }

    /**
     * 1 row of A × 8 rows of B: the matvec tile (decode). Memory bound: eight weight rows stream at
     * once, which keeps more cache misses in flight than four (measured: +15% GB/s on one core),
     * and each load of x serves eight rows.
     */
    private static void tile1x8(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff,
                                int n, int k, int i, int j) {
        int a0 = aOff + i * k;
        int b0 = bOff + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
        int b4 = b3 + k, b5 = b4 + k, b6 = b5 + k, b7 = b6 + k;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        FloatVector acc4 = acc0, acc5 = acc0, acc6 = acc0, acc7 = acc0;
        int bound = F.loopBound(k);
        int p = 0;
        for (; p < bound; p += L) {
            FloatVector x = FloatVector.fromArray(F, a, a0 + p);
            acc0 = x.fma(FloatVector.fromArray(F, b, b0 + p), acc0);
            acc1 = x.fma(FloatVector.fromArray(F, b, b1 + p), acc1);
            acc2 = x.fma(FloatVector.fromArray(F, b, b2 + p), acc2);
            acc3 = x.fma(FloatVector.fromArray(F, b, b3 + p), acc3);
            acc4 = x.fma(FloatVector.fromArray(F, b, b4 + p), acc4);
            acc5 = x.fma(FloatVector.fromArray(F, b, b5 + p), acc5);
            acc6 = x.fma(FloatVector.fromArray(F, b, b6 + p), acc6);
            acc7 = x.fma(FloatVector.fromArray(F, b, b7 + p), acc7);
        }
        int out = cOff + i * n + j;
        c[out] = acc0.reduceLanes(VectorOperators.ADD) + tail(a, a0, b, b0, p, k);
        c[out + 1] = acc1.reduceLanes(VectorOperators.ADD) + tail(a, a0, b, b1, p, k);
        c[out + 2] = acc2.reduceLanes(VectorOperators.ADD) + tail(a, a0, b, b2, p, k);
        c[out + 3] = acc3.reduceLanes(VectorOperators.ADD) + tail(a, a0, b, b3, p, k);
        c[out + 4] = acc4.reduceLanes(VectorOperators.ADD) + tail(a, a0, b, b4, p, k);
        c[out + 5] = acc5.reduceLanes(VectorOperators.ADD) + tail(a, a0, b, b5, p, k);
        c[out + 6] = acc6.reduceLanes(VectorOperators.ADD) + tail(a, a0, b, b6, p, k);
        c[out + 7] = acc7.reduceLanes(VectorOperators.ADD) + tail(a, a0, b, b7, p, k);
    }

    /** The scalar remainder {@code Σ_{q∈[from,k)} a[a0+q]·b[b0+q]} after the vector loop. */
    private static float tail(float[] a, int a0, float[] b, int b0, int from, int k) {
        float sum = 0f;
        for (int q = from; q < k; q++) sum += a[a0 + q] * b[b0 + q];
        return sum;
    }

    /** Dot product with four independent accumulators to hide FMA latency (llama2.java). */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        int bound4 = n - 4 * L + 1;
        for (; i < bound4; i += 4 * L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), acc1);
            acc2 = FloatVector.fromArray(F, a, aOff + i + 2 * L).fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), acc2);
            acc3 = FloatVector.fromArray(F, a, aOff + i + 3 * L).fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), acc3);
        }
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        }
        float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /**
     * {@code y[j] = Σ_p widen(W[j,p])·x[p]} for rows {@code [j0,j1)} of a packed bf16/fp16 matrix,
     * widening 16-bit lanes to f32 in registers. bf16 rows go four at a time, sharing each load of x
     * and giving four independent FMA chains. fp16 rows go one at a time: four of its longer
     * widenings in flight ran 2.7× slower (measured at 4096×4096), one is as fast as bf16 was.
     */
    static void halfMatvecRows(float[] y, int yOff, short[] w, boolean bf16, float[] x, int xOff, int k, int j0, int j1) {
        int bound = F.loopBound(k);
        int j = j0;
        for (; bf16 && j + 4 <= j1; j += 4) {
            int r0 = j * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            for (int p = 0; p < bound; p += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + p);
                acc0 = widen(ShortVector.fromArray(S, w, r0 + p), bf16).fma(xv, acc0);
                acc1 = widen(ShortVector.fromArray(S, w, r1 + p), bf16).fma(xv, acc1);
                acc2 = widen(ShortVector.fromArray(S, w, r2 + p), bf16).fma(xv, acc2);
                acc3 = widen(ShortVector.fromArray(S, w, r3 + p), bf16).fma(xv, acc3);
            }
            y[yOff + j] = acc0.reduceLanes(VectorOperators.ADD) + halfTail(w, r0, bf16, x, xOff, bound, k);
            y[yOff + j + 1] = acc1.reduceLanes(VectorOperators.ADD) + halfTail(w, r1, bf16, x, xOff, bound, k);
            y[yOff + j + 2] = acc2.reduceLanes(VectorOperators.ADD) + halfTail(w, r2, bf16, x, xOff, bound, k);
            y[yOff + j + 3] = acc3.reduceLanes(VectorOperators.ADD) + halfTail(w, r3, bf16, x, xOff, bound, k);
        }
        for (; j < j1; j++) {
            int row = j * k;
            FloatVector acc = FloatVector.zero(F);
            for (int p = 0; p < bound; p += L) {
                acc = widen(ShortVector.fromArray(S, w, row + p), bf16).fma(FloatVector.fromArray(F, x, xOff + p), acc);
            }
            y[yOff + j] = acc.reduceLanes(VectorOperators.ADD) + halfTail(w, row, bf16, x, xOff, bound, k);
        }
    }

    /** The scalar remainder of one packed row, {@code Σ_{p∈[from,k)} widen(w[row+p])·x[xOff+p]}. */
    private static float halfTail(short[] w, int row, boolean bf16, float[] x, int xOff, int from, int k) {
        float sum = 0f;
        for (int p = from; p < k; p++) {
            sum += (bf16 ? Half.bf16ToFloat(w[row + p]) : Half.f16ToFloat(w[row + p])) * x[xOff + p];
        }
        return sum;
    }

    /**
     * Each thread's f32 panel: one cache block of widened W rows ({@link #halfMatmulBlock}) or a
     * transposed block of B ({@link #forwardShortBlock}); a thread runs one of them at a time.
     */
    private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[0]);

    /** This thread's panel, grown to at least {@code size} floats. */
    private static float[] panel(int size) {
        float[] panel = PANEL.get();
        if (panel.length < size) {
            panel = new float[size];
            PANEL.set(panel);
        }
        return panel;
    }

    /**
     * {@code C[:, j] = A · widen(W[j,:])} for {@code j ∈ [j0,j1)}, all m rows of A: each cache block of
     * W rows ({@link #bBlockRows}) is widened once into this thread's panel, then {@link #forwardBlock}
     * runs the f32 tiles over it (the panel stands at row jb, so it is passed with offset −jb·k).
     */
    static void halfMatmulBlock(float[] c, float[] a, short[] w, boolean bf16, int m, int n, int k, int j0, int j1) {
        int nb = bBlockRows(k);
        float[] panel = panel(nb * k);
        for (int jb = j0; jb < j1; jb += nb) {
            int je = Math.min(j1, jb + nb);
            widenRows(w, jb * k, (je - jb) * k, bf16, panel);
            forwardBlock(c, 0, a, 0, panel, -jb * k, n, k, 0, m, jb, je);
        }
    }

    /** {@code out[p] = widen(w[from + p])} for {@code p < count}, exactly as {@link Half#toFloat}. */
    private static void widenRows(short[] w, int from, int count, boolean bf16, float[] out) {
        int bound = S.loopBound(count), p = 0;
        for (; p < bound; p += L) widen(ShortVector.fromArray(S, w, from + p), bf16).intoArray(out, p);
        for (; p < count; p++) out[p] = bf16 ? Half.bf16ToFloat(w[from + p]) : Half.f16ToFloat(w[from + p]);
    }

    /**
     * Widens L 16-bit floats to f32 lanes. bf16: the bits are the top half of an f32. fp16:
     * move exponent and mantissa into place and rescale by 2^112 (exact for normals and
     * subnormals), then patch Inf/NaN, whose exponent must become all ones.
     */
    private static FloatVector widen(ShortVector h, boolean bf16) {
        IntVector bits = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        if (bf16) {
            return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }
        IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector magnitude = bits.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        FloatVector value = magnitude.reinterpretAsFloats().mul(0x1p112f);
        VectorMask<Integer> infOrNan = bits.and(0x7C00).compare(VectorOperators.EQ, 0x7C00);
        IntVector patched = value.reinterpretAsInts().blend(magnitude.or(0x7F800000), infOrNan);
        return patched.or(sign).reinterpretAsFloats();
    }

    /**
     * {@link #forwardBlock}'s product for a short reduction ({@code k ≤} {@link #SHORT_K}): there the
     * dot-product tile spends more on reducing its lanes than on its FMAs, so rows {@code [j0,j1)} of
     * B are transposed into this thread's panel [k, j1−j0] and the broadcast kernel
     * ({@link #accumulateBlock}) accumulates {@code A·panel} into the zeroed block of C. Measured on
     * one core: 64×64×16 21 → 50 GFLOP/s, 256×256×32 37 → 75, 64×64×64 53 → 61.
     */
    static void forwardShortBlock(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff, int n, int k,
                                  int i0, int i1, int j0, int j1) {
        int w = j1 - j0;
        float[] panel = panel(k * w);
        for (int j = 0; j < w; j++) {
            int row = bOff + (j0 + j) * k;
            for (int p = 0; p < k; p++) panel[p * w + j] = b[row + p];
        }
        for (int i = i0; i < i1; i++) java.util.Arrays.fill(c, cOff + i * n + j0, cOff + i * n + j1, 0f);
        accumulateBlock(c, cOff + j0, n, a, aOff, k, 1, panel, w, k, i0, i1, 0, w);
    }

    /**
     * {@code C[i,p] += Σ_{j<kk} A(i,j)·B[j,p]} for rows {@code [i0,i1)} and columns {@code [p0,p1)},
     * where {@code A(i,j) = a[aOff + i·rs + j·cs]}, B is [kk, ldb] from 0 and C is [·, ldc] from cOff. With
     * {@code rs=n, cs=1} A is dY (input gradient); with {@code rs=1, cs=n} it is dYᵀ (weight gradient).
     */
    static void accumulateBlock(float[] c, int cOff, int ldc, float[] a, int aOff, int rs, int cs, float[] b, int ldb,
                                int kk, int i0, int i1, int p0, int p1) {
        // Column tiles: 4 vectors wide; the rest as one tile of 3 or 2 vectors, or 3 + 2 for a last
        // 4 + 1 (a 1-vector tile only when a single vector is all there is): ≥ 8 FMAs per k-step.
        int vectors = (p1 - p0) / L, pVec = p0 + vectors * L;
        int fours = vectors % 4 == 1 && vectors > 1 ? vectors / 4 - 1 : vectors / 4, rest = vectors - 4 * fours;
        int threes = rest == 3 || rest == 5 ? 1 : 0, twos = rest == 2 || rest == 5 ? 1 : 0;
        boolean one = rest == 1;
        int iMain = i0 + (i1 - i0) / 4 * 4;
        for (int j0 = 0; j0 < kk; j0 += K_BLOCK) {               // a [K_BLOCK, 4 vectors] panel of B stays in cache
            int j1 = Math.min(kk, j0 + K_BLOCK), p = p0;
            for (int t = 0; t < fours; t++, p += 4 * L) {
                for (int i = i0; i < iMain; i += 4) accumulateTile4x4(c, cOff, ldc, a, aOff, rs, cs, b, ldb, j0, j1, i, p);
            }
            for (int t = 0; t < threes; t++, p += 3 * L) {
                for (int i = i0; i < iMain; i += 4) accumulateTile4x3(c, cOff, ldc, a, aOff, rs, cs, b, ldb, j0, j1, i, p);
            }
            for (int t = 0; t < twos; t++, p += 2 * L) {
                for (int i = i0; i < iMain; i += 4) accumulateTile4x2(c, cOff, ldc, a, aOff, rs, cs, b, ldb, j0, j1, i, p);
            }
            if (one) {
                for (int i = i0; i < iMain; i += 4) accumulateTile4x1(c, cOff, ldc, a, aOff, rs, cs, b, ldb, j0, j1, i, p);
            }
        }
        // Edges: the last columns (under a vector) of the tiled rows, then every column of the leftover rows.
        for (int i = i0; i < i1; i++) {
            int from = i < iMain ? pVec : p0;
            if (from >= p1) continue;
            for (int j = 0; j < kk; j++) {
                axpy(a[aOff + i * rs + j * cs], b, j * ldb + from, c, cOff + i * ldc + from, p1 - from);
            }
        }
    }

    /** 4 rows × 4 vectors of C in registers, over {@code j ∈ [j0, j1)}; per j: 4 loads of B, 4 broadcasts, 16 FMAs. */
    private static void accumulateTile4x4(float[] c, int cOff, int ldc, float[] a, int aOff, int rs, int cs, float[] b,
                                          int ldb, int j0, int j1, int i, int p) {
        int r0 = cOff + i * ldc + p, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        FloatVector c00 = FloatVector.fromArray(F, c, r0), c01 = FloatVector.fromArray(F, c, r0 + L);
        FloatVector c02 = FloatVector.fromArray(F, c, r0 + 2 * L), c03 = FloatVector.fromArray(F, c, r0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(F, c, r1), c11 = FloatVector.fromArray(F, c, r1 + L);
        FloatVector c12 = FloatVector.fromArray(F, c, r1 + 2 * L), c13 = FloatVector.fromArray(F, c, r1 + 3 * L);
        FloatVector c20 = FloatVector.fromArray(F, c, r2), c21 = FloatVector.fromArray(F, c, r2 + L);
        FloatVector c22 = FloatVector.fromArray(F, c, r2 + 2 * L), c23 = FloatVector.fromArray(F, c, r2 + 3 * L);
        FloatVector c30 = FloatVector.fromArray(F, c, r3), c31 = FloatVector.fromArray(F, c, r3 + L);
        FloatVector c32 = FloatVector.fromArray(F, c, r3 + 2 * L), c33 = FloatVector.fromArray(F, c, r3 + 3 * L);
        int a0 = aOff + i * rs, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
        for (int j = j0; j < j1; j++) {
            int bj = j * ldb + p;
            FloatVector b0 = FloatVector.fromArray(F, b, bj), b1 = FloatVector.fromArray(F, b, bj + L);
            FloatVector b2 = FloatVector.fromArray(F, b, bj + 2 * L), b3 = FloatVector.fromArray(F, b, bj + 3 * L);
            int aj = j * cs;
            FloatVector s = FloatVector.broadcast(F, a[a0 + aj]);
            c00 = s.fma(b0, c00); c01 = s.fma(b1, c01); c02 = s.fma(b2, c02); c03 = s.fma(b3, c03);
            s = FloatVector.broadcast(F, a[a1 + aj]);
            c10 = s.fma(b0, c10); c11 = s.fma(b1, c11); c12 = s.fma(b2, c12); c13 = s.fma(b3, c13);
            s = FloatVector.broadcast(F, a[a2 + aj]);
            c20 = s.fma(b0, c20); c21 = s.fma(b1, c21); c22 = s.fma(b2, c22); c23 = s.fma(b3, c23);
            s = FloatVector.broadcast(F, a[a3 + aj]);
            c30 = s.fma(b0, c30); c31 = s.fma(b1, c31); c32 = s.fma(b2, c32); c33 = s.fma(b3, c33);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + L); c02.intoArray(c, r0 + 2 * L); c03.intoArray(c, r0 + 3 * L);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + L); c12.intoArray(c, r1 + 2 * L); c13.intoArray(c, r1 + 3 * L);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + L); c22.intoArray(c, r2 + 2 * L); c23.intoArray(c, r2 + 3 * L);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + L); c32.intoArray(c, r3 + 2 * L); c33.intoArray(c, r3 + 3 * L);
    }

    /** 4 rows × 3 vectors of C in registers, over {@code j ∈ [j0, j1)}; per j: 3 loads of B, 4 broadcasts, 12 FMAs. */
    private static void accumulateTile4x3(float[] c, int cOff, int ldc, float[] a, int aOff, int rs, int cs, float[] b,
                                          int ldb, int j0, int j1, int i, int p) {
        int r0 = cOff + i * ldc + p, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        FloatVector c00 = FloatVector.fromArray(F, c, r0), c01 = FloatVector.fromArray(F, c, r0 + L);
        FloatVector c02 = FloatVector.fromArray(F, c, r0 + 2 * L);
        FloatVector c10 = FloatVector.fromArray(F, c, r1), c11 = FloatVector.fromArray(F, c, r1 + L);
        FloatVector c12 = FloatVector.fromArray(F, c, r1 + 2 * L);
        FloatVector c20 = FloatVector.fromArray(F, c, r2), c21 = FloatVector.fromArray(F, c, r2 + L);
        FloatVector c22 = FloatVector.fromArray(F, c, r2 + 2 * L);
        FloatVector c30 = FloatVector.fromArray(F, c, r3), c31 = FloatVector.fromArray(F, c, r3 + L);
        FloatVector c32 = FloatVector.fromArray(F, c, r3 + 2 * L);
        int a0 = aOff + i * rs, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
        for (int j = j0; j < j1; j++) {
            int bj = j * ldb + p;
            FloatVector b0 = FloatVector.fromArray(F, b, bj);
            FloatVector b1 = FloatVector.fromArray(F, b, bj + L);
            FloatVector b2 = FloatVector.fromArray(F, b, bj + 2 * L);
            int aj = j * cs;
            FloatVector s = FloatVector.broadcast(F, a[a0 + aj]);
            c00 = s.fma(b0, c00); c01 = s.fma(b1, c01); c02 = s.fma(b2, c02);
            s = FloatVector.broadcast(F, a[a1 + aj]);
            c10 = s.fma(b0, c10); c11 = s.fma(b1, c11); c12 = s.fma(b2, c12);
            s = FloatVector.broadcast(F, a[a2 + aj]);
            c20 = s.fma(b0, c20); c21 = s.fma(b1, c21); c22 = s.fma(b2, c22);
            s = FloatVector.broadcast(F, a[a3 + aj]);
            c30 = s.fma(b0, c30); c31 = s.fma(b1, c31); c32 = s.fma(b2, c32);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + L); c02.intoArray(c, r0 + 2 * L);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + L); c12.intoArray(c, r1 + 2 * L);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + L); c22.intoArray(c, r2 + 2 * L);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + L); c32.intoArray(c, r3 + 2 * L);
    }

    /** 4 rows × 2 vectors of C in registers: a column edge of {@link #accumulateTile4x4}. */
    private static void accumulateTile4x2(float[] c, int cOff, int ldc, float[] a, int aOff, int rs, int cs, float[] b,
                                          int ldb, int j0, int j1, int i, int p) {
        int r0 = cOff + i * ldc + p, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        FloatVector c00 = FloatVector.fromArray(F, c, r0), c01 = FloatVector.fromArray(F, c, r0 + L);
        FloatVector c10 = FloatVector.fromArray(F, c, r1), c11 = FloatVector.fromArray(F, c, r1 + L);
        FloatVector c20 = FloatVector.fromArray(F, c, r2), c21 = FloatVector.fromArray(F, c, r2 + L);
        FloatVector c30 = FloatVector.fromArray(F, c, r3), c31 = FloatVector.fromArray(F, c, r3 + L);
        int a0 = aOff + i * rs, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
        for (int j = j0; j < j1; j++) {
            int bj = j * ldb + p;
            FloatVector b0 = FloatVector.fromArray(F, b, bj), b1 = FloatVector.fromArray(F, b, bj + L);
            int aj = j * cs;
            FloatVector s = FloatVector.broadcast(F, a[a0 + aj]);
            c00 = s.fma(b0, c00); c01 = s.fma(b1, c01);
            s = FloatVector.broadcast(F, a[a1 + aj]);
            c10 = s.fma(b0, c10); c11 = s.fma(b1, c11);
            s = FloatVector.broadcast(F, a[a2 + aj]);
            c20 = s.fma(b0, c20); c21 = s.fma(b1, c21);
            s = FloatVector.broadcast(F, a[a3 + aj]);
            c30 = s.fma(b0, c30); c31 = s.fma(b1, c31);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + L);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + L);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + L);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + L);
    }

    /** 4 rows × 1 vector of C in registers: C when it is a single vector wide. */
    private static void accumulateTile4x1(float[] c, int cOff, int ldc, float[] a, int aOff, int rs, int cs, float[] b,
                                          int ldb, int j0, int j1, int i, int p) {
        int r0 = cOff + i * ldc + p, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        FloatVector c0 = FloatVector.fromArray(F, c, r0), c1 = FloatVector.fromArray(F, c, r1);
        FloatVector c2 = FloatVector.fromArray(F, c, r2), c3 = FloatVector.fromArray(F, c, r3);
        int a0 = aOff + i * rs, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
        for (int j = j0; j < j1; j++) {
            FloatVector bj = FloatVector.fromArray(F, b, j * ldb + p);
            int aj = j * cs;
            c0 = FloatVector.broadcast(F, a[a0 + aj]).fma(bj, c0);
            c1 = FloatVector.broadcast(F, a[a1 + aj]).fma(bj, c1);
            c2 = FloatVector.broadcast(F, a[a2 + aj]).fma(bj, c2);
            c3 = FloatVector.broadcast(F, a[a3 + aj]).fma(bj, c3);
        }
        c0.intoArray(c, r0); c1.intoArray(c, r1); c2.intoArray(c, r2); c3.intoArray(c, r3);
    }

    /** {@code y[yOff+i] += alpha·x[xOff+i]}. */
    static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector s = FloatVector.broadcast(F, alpha);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(s, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }
}
