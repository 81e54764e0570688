package io.nclab.nd;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * In-place level-1 BLAS on the memory of CPU arrays: y ← y + c·x ({@code axpy}) and y ← x ({@code copy}), by
 * the MKL routines that the PyTorch natives export ({@link NativeLib}), on direct views of the arrays' own
 * memory. DJL has no fused y += c·x: {@code y.addi(x.mul(c))} first makes a temporary as large as x, and for
 * large arrays the first touch of the temporary's fresh pages costs several times the arithmetic (an L-BFGS
 * iteration of the UFM with 100 MB vectors spent most of its time in the kernel, faulting pages in for the
 * two-loop recursion's twenty temporaries).
 *
 * <p>Each operation does nothing and returns false where it does not apply: an array off the CPU, not
 * contiguous (its direct view would be a copy), neither float32 nor float64, the two of different types or
 * sizes, more than 2^31 − 1 bytes, or no MKL in the natives. The caller then uses NDArray operations.
 */
public final class NativeBlas {
    private NativeBlas() {}

    // The Fortran interface with 64-bit integers (every argument by reference); MKL exports no cblas_dcopy.
    private static final Function DAXPY = NativeLib.find("daxpy_64_");
    private static final Function SAXPY = NativeLib.find("saxpy_64_");
    private static final Function DCOPY = NativeLib.find("dcopy_64_");
    private static final Function SCOPY = NativeLib.find("scopy_64_");
    static final Pointer NO_TRANSPOSE = NativeEigen.flag("N");
    static final Pointer TRANSPOSE = NativeEigen.flag("T");
    /** DJL's native library object and its contiguity test, which DJL does not make public. */
    private static final Object LIB;
    private static final Method IS_CONTIGUOUS;

    static {
        Object lib = null;
        Method contiguous = null;
        try {
            Class<?> c = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            Field f = c.getDeclaredField("LIB");
            f.setAccessible(true);
            contiguous = c.getDeclaredMethod("torchIsContiguous", long.class);
            contiguous.setAccessible(true);
            lib = f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            lib = null;
            contiguous = null;
        }
        LIB = lib;
        IS_CONTIGUOUS = contiguous;
    }

    /** Whether the native routines were found (they apply to CPU arrays only). */
    public static boolean available() {
        return DAXPY != null && SAXPY != null && DCOPY != null && SCOPY != null && IS_CONTIGUOUS != null;
    }

    /** y ← y + c·x in place; false (y untouched) where the native routine does not apply. */
    public static boolean axpy(double c, NDArray x, NDArray y) {
        return level1(false, c, x, y);
    }

    /** y ← x in place; false (y untouched) where the native routine does not apply. */
    public static boolean copy(NDArray x, NDArray y) {
        return level1(true, 0, x, y);
    }

    /** copy, or axpy with α = c. */
    private static boolean level1(boolean copy, double c, NDArray x, NDArray y) {
        if (!applies(x, y)) {
            return false;
        }
        boolean single = x.getDataType() == DataType.FLOAT32;
        ByteBuffer bx = x.toByteBuffer(true);
        ByteBuffer by = y.toByteBuffer(true);
        try (Memory args = arguments(x.size())) {
            Pointer one = args.share(Long.BYTES);
            if (copy) {
                (single ? SCOPY : DCOPY).invokeVoid(new Object[] {args, pointer(bx), one, pointer(by), one});
            } else {
                Pointer alpha = args.share(2 * Long.BYTES);
                if (single) {
                    alpha.setFloat(0, (float) c);
                } else {
                    alpha.setDouble(0, c);
                }
                (single ? SAXPY : DAXPY).invokeVoid(new Object[] {args, alpha, pointer(bx), one, pointer(by), one});
            }
        } finally {
            Reference.reachabilityFence(bx);
            Reference.reachabilityFence(by);
        }
        return true;
    }

    /**
     * C ← α·op(A)·op(B) + β·C in place, for row-major float64 matrices (op(X) = Xᵀ where asked): C is m×n,
     * op(A) m×k, op(B) k×n. False (C untouched) where the native routine does not apply (as for
     * {@link #axpy}, and for shapes that do not match). No temporary the size of C is made.
     */
    public static boolean gemm(double alpha, NDArray a, boolean transA, NDArray b, boolean transB, double beta,
            NDArray c) {
        if (!gemmAvailable() || !usable(a, DataType.FLOAT64) || !usable(b, DataType.FLOAT64)
                || !usable(c, DataType.FLOAT64) || a.getShape().dimension() != 2 || b.getShape().dimension() != 2
                || c.getShape().dimension() != 2) {
            return false;
        }
        long rowsA = a.getShape().get(0);
        long colsA = a.getShape().get(1);
        long rowsB = b.getShape().get(0);
        long colsB = b.getShape().get(1);
        long m = transA ? colsA : rowsA;
        long k = transA ? rowsA : colsA;
        long n = transB ? rowsB : colsB;
        if ((transB ? colsB : rowsB) != k || c.getShape().get(0) != m || c.getShape().get(1) != n) {
            return false;
        }
        ByteBuffer ba = a.toByteBuffer(true);
        ByteBuffer bb = b.toByteBuffer(true);
        ByteBuffer bc = c.toByteBuffer(true);
        // A row-major matrix is its transpose in column-major order, so Cᵀ = op(B)ᵀ op(A)ᵀ is the column-major
        // product of the buffers as they lie: B's first (n×k), A's second (k×m), C (n×m) with leading
        // dimension n.
        try {
            gemm(transB, transA, n, m, k, alpha, pointer(bb), colsB, pointer(ba), colsA, beta, pointer(bc), n);
        } finally {
            Reference.reachabilityFence(ba);
            Reference.reachabilityFence(bb);
            Reference.reachabilityFence(bc);
        }
        return true;
    }

    /** Whether {@link #gemm(boolean, boolean, long, long, long, double, Pointer, long, Pointer, long, double,
     * Pointer, long)} can run (the natives export MKL's {@code dgemm}). */
    public static boolean gemmAvailable() {
        return Gemm.BOUND;
    }

    /**
     * C ← α·op(A)·op(B) + β·C on native memory, BLAS's column-major {@code dgemm} as it is (C m×n, op(A) m×k,
     * op(B) k×n, each with its leading dimension), on the calling thread's MKL threads ({@link #onOneThread}).
     * {@link #gemmAvailable()} must be true.
     */
    public static void gemm(boolean transA, boolean transB, long m, long n, long k, double alpha, Pointer a,
            long lda, Pointer b, long ldb, double beta, Pointer c, long ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        Gemm.Arguments g = Gemm.ARGUMENTS.get();
        g.memory.setLong(0, m);
        g.memory.setLong(8, n);
        g.memory.setLong(16, k);
        g.memory.setDouble(24, alpha);
        g.memory.setLong(32, lda);
        g.memory.setLong(40, ldb);
        g.memory.setDouble(48, beta);
        g.memory.setLong(56, ldc);
        Gemm.dgemm_64_(transA ? TRANSPOSE : NO_TRANSPOSE, transB ? TRANSPOSE : NO_TRANSPOSE, g.m, g.n, g.k, g.alpha, a,
                g.lda, b, g.ldb, g.beta, c, g.ldc, 1L, 1L);
    }

    /**
     * MKL's {@code dgemm} bound by JNA's direct mapping: a call goes straight to the native function, where an
     * indirect {@code Function.invoke} converts each of its 15 arguments through reflection and allocated the scalars'
     * memory anew. The NC metrics' second pass makes a few hundred calls; in a one-shot {@code nclab metrics} the
     * JIT compiling that conversion (and the map of allocated memory) took about 60 ms of a compiler thread.
     */
    private static final class Gemm {
        static final boolean BOUND = bind();

        /** This thread's memory for the by-reference scalars (the Fortran interface), reused call after call. */
        static final ThreadLocal<Arguments> ARGUMENTS = ThreadLocal.withInitial(Arguments::new);

        private static boolean bind() {
            NativeLibrary lib = NativeLib.library();
            if (lib == null) {
                return false;
            }
            try {
                lib.getFunction("dgemm_64_"); // absent: refused here, not at the first call
                Native.register(Gemm.class, lib);
                return true;
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                return false;
            }
        }

        /** The Fortran interface with 64-bit integers: every argument by reference, then the flags' lengths. */
        static native void dgemm_64_(Pointer transA, Pointer transB, Pointer m, Pointer n, Pointer k, Pointer alpha,
                Pointer a, Pointer lda, Pointer b, Pointer ldb, Pointer beta, Pointer c, Pointer ldc, long transALength,
                long transBLength);

        static final class Arguments {
            final Memory memory = new Memory(8L * Long.BYTES);
            final Pointer m = memory.share(0);
            final Pointer n = memory.share(8);
            final Pointer k = memory.share(16);
            final Pointer alpha = memory.share(24);
            final Pointer lda = memory.share(32);
            final Pointer ldb = memory.share(40);
            final Pointer beta = memory.share(48);
            final Pointer ldc = memory.share(56);
        }
    }

    /**
     * {@code work} with MKL on the calling thread alone, for callers that run one product per thread themselves:
     * two single-threaded products side by side beat one on two threads for the NC engine's thin shapes here.
     */
    public static <T> T onOneThread(java.util.function.Supplier<T> work) {
        return NativeEigen.onOneThread(work);
    }

    private static boolean applies(NDArray x, NDArray y) {
        DataType t = x.getDataType();
        return available() && (t == DataType.FLOAT64 || t == DataType.FLOAT32) && usable(x, t) && usable(y, t)
                && x.size() == y.size();
    }

    /**
     * Whether the native routines can work on {@code a}'s own memory: a PyTorch array of type {@code type} on the CPU,
     * not empty, below 2^31 bytes (a Java buffer's limit) and contiguous (its direct view would be a copy).
     */
    private static boolean usable(NDArray a, DataType type) {
        if (!(a instanceof PtNDArray pa) || IS_CONTIGUOUS == null || a.getDataType() != type) {
            return false;
        }
        long bytes = a.size() * type.getNumOfBytes();
        if (bytes == 0 || bytes > Integer.MAX_VALUE || !Device.cpu().equals(a.getDevice())) {
            return false;
        }
        try {
            return (Boolean) IS_CONTIGUOUS.invoke(LIB, pa.getHandle());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** n and the stride 1 as 64-bit integers, then room for the scalar α. */
    private static Memory arguments(long n) {
        Memory m = new Memory(3L * Long.BYTES);
        m.setLong(0, n);
        m.setLong(Long.BYTES, 1);
        return m;
    }

    private static Pointer pointer(ByteBuffer b) {
        if (!b.isDirect()) {
            throw new IllegalStateException("no direct view of an array's memory");
        }
        return Native.getDirectBufferPointer(b);
    }
}
