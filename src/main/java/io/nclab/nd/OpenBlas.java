package io.nclab.nd;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import java.util.Map;

/**
 * The system's OpenBLAS (Debian and Ubuntu: package {@code libopenblas0}), where it is installed: a symmetric rank-k
 * update ({@code dsyrk}), which the PyTorch natives' MKL does not export, and a {@code dsyevd} that runs faster here
 * than that MKL's. Measured on the 2-core AMD EPYC machine, one thread each, for a class of the MLP probe (450 samples,
 * d = 1024): the Gram matrix in 5.4 ms against 9.5 ms for MKL's full {@code dgemm}, its eigenvalues in 7.8 ms against
 * 11.5 ms. It is optional: {@link NativeGram} uses MKL where it is absent.
 *
 * <p>It is loaded privately ({@code RTLD_LOCAL}), so its BLAS and LAPACK symbols never stand in for the PyTorch
 * natives' own, and set to one thread: its callers decompose one matrix per thread. The environment variable
 * {@code NCLAB_BLAS=mkl} or the system property {@code nclab.blas=mkl} leaves it unused (as does
 * {@code nclab.eigen=ejml}, which leaves every native routine unused).
 */
final class OpenBlas {
    private OpenBlas() {}

    /** dlopen's RTLD_LAZY, without RTLD_GLOBAL. */
    private static final int RTLD_LAZY_LOCAL = 1;

    private static final NativeLibrary LIB = load();
    /** LP64 (32-bit integers, every argument by reference), or null where OpenBLAS is absent. */
    static final Function DSYRK = find("dsyrk_");
    static final Function DSYEVD = DSYRK == null ? null : find("dsyevd_");

    /** Whether both routines were found. */
    static boolean available() {
        return DSYRK != null && DSYEVD != null;
    }

    private static NativeLibrary load() {
        String choice = System.getProperty("nclab.blas", System.getenv().getOrDefault("NCLAB_BLAS", ""));
        if ("mkl".equalsIgnoreCase(choice)
                || "ejml".equalsIgnoreCase(System.getProperty("nclab.eigen", ""))) {
            return null;
        }
        try {
            NativeLibrary lib = NativeLibrary.getInstance("libopenblas.so.0",
                    Map.of(Library.OPTION_OPEN_FLAGS, RTLD_LAZY_LOCAL));
            lib.getFunction("openblas_set_num_threads").invokeVoid(new Object[] {1});
            return lib;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }

    private static Function find(String symbol) {
        if (LIB == null) {
            return null;
        }
        try {
            return LIB.getFunction(symbol);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }
}
