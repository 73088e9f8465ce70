package falconh1r.kernels;

import com.aparapi.Kernel;

/**
 * The work-group sum shared by the matvec kernels ({@link F32LinearKernel#GEMV},
 * {@link HalfMatvecKernel}), which give one work-group to each output row: every work-item adds a
 * strided share of the row, then {@link #groupSum} halves the partial sums in local memory.
 *
 * <p>Aparapi translates methods and fields inherited from a superclass of the kernel (up to
 * {@link Kernel}) like the kernel's own, provided the fields are neither private nor static.
 */
abstract class RowReductionKernel extends Kernel {

    /** One partial sum per work-item: [local size], a power of two. */
    @Local final float[] partial;

    RowReductionKernel(int localSize) {
        this.partial = new float[localSize];
    }

    /**
     * The sum of {@code sum} over the work-group along dimension 0, returned to every work-item.
     * Every work-item of the group must call it (it contains barriers).
     */
    final float groupSum(float sum) {
        int lid = getLocalId(0);
        partial[lid] = sum;
        localBarrier();
        for (int stride = getLocalSize(0) / 2; stride > 0; stride = stride / 2) {
            if (lid < stride) {
                partial[lid] = partial[lid] + partial[lid + stride];
            }
            localBarrier();
        }
        return partial[0];
    }
}
