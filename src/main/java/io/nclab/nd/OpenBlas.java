package io.nclab.nd;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import java.util.Map;

/**
 * The system's OpenBLAS (Debian and Ubuntu: package {@code libopenblas0-pthread}), where it is installed: a
 * symmetric rank-k update ({@code dsyrk}), which the PyTorch natives' MKL does not export, and a {@code dsyevd} that
 * runs faster here than that MKL's. Measured on the 2-core AMD EPYC machine, one thread each, for a class of the MLP
 * probe (450 samples, d = 1024): the Gram matrix in 5.4 ms against 9.5 ms for MKL's full {@code dgemm}, its
 * eigenvalues in 7.8 ms against 11.5 ms. It is optional: {@link NativeGram} uses MKL where it is absent, or built
 * with OpenMP ({@code libopenblas0-openmp}).
 *
 * <p>It is loaded privately and bound to itself first ({@code RTLD_LOCAL | RTLD_DEEPBIND}), so that neither library's
 * BLAS and LAPACK symbols stand in for the other's, and set to one thread: its callers decompose one matrix per
 * thread. The environment variable {@code NCLAB_BLAS=mkl} or the system property {@code nclab.blas=mkl} leaves it
 * unused (as does {@code nclab.eigen=ejml}, which leaves every native routine unused).
 */
final class OpenBlas {
    private OpenBlas() {}

    /**
     * dlopen's RTLD_LAZY | RTLD_DEEPBIND, without RTLD_GLOBAL: its symbols stay out of the global scope, and its own
     * calls bind to its own symbols first. Without DEEPBIND its dsyevd called the BLAS and ilaenv of the PyTorch
     * natives (loaded RTLD_GLOBAL before it, and exporting the same names), on MKL's threads.
     */
    private static final int OPEN_FLAGS = 1 | 8;

    private static final NativeLibrary LIB = load();
    /** LP64 (32-bit integers, every argument by reference), or null where OpenBLAS is absent. */
    static final Function DSYRK = find("dsyrk_");
    static final Function DSYEVD = DSYRK == null ? null : find("dsyevd_");

    /** Whether both routines were found. */
    static boolean available() {
        return DSYRK != null && DSYEVD != null;
    }

    /** The library's own description of its build ({@code openblas_get_config}), e.g. "OpenBLAS 0.3.21 ... Zen". */
    static String config() {
        try {
            return LIB.getFunction("openblas_get_config").invokeString(new Object[0], false).trim();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return "OpenBLAS";
        }
    }

    private static NativeLibrary load() {
        String choice = System.getProperty("nclab.blas", System.getenv().getOrDefault("NCLAB_BLAS", ""));
        if ("mkl".equalsIgnoreCase(choice)
                || "ejml".equalsIgnoreCase(System.getProperty("nclab.eigen", ""))) {
            return null;
        }
        try {
            NativeLibrary lib = NativeLibrary.getInstance("libopenblas.so.0",
                    Map.of(Library.OPTION_OPEN_FLAGS, OPEN_FLAGS));
            // 0: sequential build, 1: pthreads, 2: OpenMP. An OpenMP build would bring a second OpenMP runtime
            // beside PyTorch's and is not documented as safe to call from several threads at once: MKL instead.
            if (lib.getFunction("openblas_get_parallel").invokeInt(new Object[0]) > 1) {
                return null;
            }
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
