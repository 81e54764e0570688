package io.nclab.metrics;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * The collapse metrics the deliberately naive way, for parity tests: Java loops over samples, the full
 * d×d Σ_W and Σ_B, the full d×d pseudo-inverse, the singular values of each class matrix.
 */
final class NaiveMetrics {
    final Map<String, Double> values = new LinkedHashMap<>();
    double[] sortedMargins;

    NaiveMetrics(double[][] h, int[] y, int k, double[][] w, double[] b, double cdnvExponent) {
        int n = h.length;
        int d = h[0].length;
        double[][] mu = new double[k][d];
        int[] cnt = new int[k];
        double[] g = new double[d];
        for (int i = 0; i < n; i++) {
            cnt[y[i]]++;
            for (int j = 0; j < d; j++) {
                mu[y[i]][j] += h[i][j];
                g[j] += h[i][j];
            }
        }
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                mu[c][j] /= cnt[c];
            }
        }
        for (int j = 0; j < d; j++) {
            g[j] /= n;
        }
        double[][] m = new double[k][d];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                m[c][j] = mu[c][j] - g[j];
            }
        }
        // Σ_W and Σ_B in full.
        double[][] sw = new double[d][d];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < d; p++) {
                for (int q = 0; q < d; q++) {
                    sw[p][q] += (h[i][p] - mu[y[i]][p]) * (h[i][q] - mu[y[i]][q]) / n;
                }
            }
        }
        double[][] sb = new double[d][d];
        for (int c = 0; c < k; c++) {
            for (int p = 0; p < d; p++) {
                for (int q = 0; q < d; q++) {
                    sb[p][q] += m[c][p] * m[c][q] / k;
                }
            }
        }
        double[][] pinv = pseudoInverse(sb, Math.max(d, k));
        double tr = 0;
        for (int p = 0; p < d; p++) {
            for (int q = 0; q < d; q++) {
                tr += sw[p][q] * pinv[q][p];
            }
        }
        double trSw = 0;
        double trSb = 0;
        for (int p = 0; p < d; p++) {
            trSw += sw[p][p];
            trSb += sb[p][p];
        }
        values.put("nc1", tr / k);
        values.put("nc1_quotient", trSw / trSb);
        // CDNV.
        double[] var = new double[k];
        for (int i = 0; i < n; i++) {
            var[y[i]] += dist2(h[i], mu[y[i]]) / cnt[y[i]];
        }
        double cdnv = 0;
        int pairs = 0;
        for (int a = 0; a < k; a++) {
            for (int c = a + 1; c < k; c++) {
                cdnv += (var[a] + var[c]) / (2 * Math.pow(Math.sqrt(dist2(mu[a], mu[c])), cdnvExponent));
                pairs++;
            }
        }
        values.put("cdnv", cdnv / pairs);
        if (w != null) {
            values.put("nc2", etf(product(w, w)));
        }
        values.put("nc2_means", etf(product(m, m)));
        if (w != null) {
            values.put("nc3", etf(product(w, m)));
        }
        // Decisions, per sample.
        int disagree = 0;
        int nccOk = 0;
        int ok = 0;
        for (int i = 0; i < n; i++) {
            int ncc = 0;
            for (int c = 1; c < k; c++) {
                if (dist2(h[i], mu[c]) < dist2(h[i], mu[ncc])) {
                    ncc = c;
                }
            }
            nccOk += ncc == y[i] ? 1 : 0;
            if (w != null) {
                int pred = 0;
                for (int c = 1; c < k; c++) {
                    if (dot(w[c], h[i]) + b[c] > dot(w[pred], h[i]) + b[pred]) {
                        pred = c;
                    }
                }
                disagree += pred != ncc ? 1 : 0;
                ok += pred == y[i] ? 1 : 0;
            }
        }
        if (w != null) {
            values.put("nc4", disagree / (double) n);
        }
        values.put("ncc_accuracy", nccOk / (double) n);
        if (w != null) {
            values.put("accuracy", ok / (double) n);
            double[] wn = new double[k];
            for (int c = 0; c < k; c++) {
                wn[c] = Math.sqrt(dot(w[c], w[c]));
            }
            values.put("w_equinorm", std(wn) / mean(wn));
        }
        double[] mn = new double[k];
        for (int c = 0; c < k; c++) {
            mn[c] = Math.sqrt(dot(m[c], m[c]));
        }
        values.put("mean_equinorm", std(mn) / mean(mn));
        double[] cos = new double[k * (k - 1)];
        int idx = 0;
        double maxDev = 0;
        for (int a = 0; a < k; a++) {
            for (int c = 0; c < k; c++) {
                if (a != c) {
                    cos[idx] = cosine(m[a], m[c]);
                    maxDev = Math.max(maxDev, Math.abs(cos[idx] + 1.0 / (k - 1)));
                    idx++;
                }
            }
        }
        values.put("mean_equiangularity", std(cos));
        values.put("mean_max_angle_deviation", maxDev);
        // Numerical rank from each class matrix's singular values.
        double rank = 0;
        for (int c = 0; c < k; c++) {
            DMatrixRMaj hk = new DMatrixRMaj(d, cnt[c]);
            int col = 0;
            double fro = 0;
            for (int i = 0; i < n; i++) {
                if (y[i] == c) {
                    for (int j = 0; j < d; j++) {
                        hk.set(j, col, h[i][j]);
                        fro += h[i][j] * h[i][j];
                    }
                    col++;
                }
            }
            SingularValueDecomposition_F64<DMatrixRMaj> svd =
                    DecompositionFactory_DDRM.svd(d, cnt[c], false, false, true);
            svd.decompose(hk);
            double nuc = Arrays.stream(svd.getSingularValues()).sum();
            rank += nuc * nuc / fro / k;
        }
        values.put("numerical_rank", rank);
        if (w != null) {
            double[] wbar = new double[d];
            for (int c = 0; c < k; c++) {
                for (int j = 0; j < d; j++) {
                    wbar[j] += w[c][j] / k;
                }
            }
            double[] margins = new double[n];
            double sum = 0;
            int neg = 0;
            for (int i = 0; i < n; i++) {
                double[] hc = sub(h[i], g);
                double own = cosine(hc, sub(w[y[i]], wbar));
                double other = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    if (c != y[i]) {
                        other = Math.max(other, cosine(hc, sub(w[c], wbar)));
                    }
                }
                margins[i] = own - other;
                sum += margins[i];
                neg += margins[i] <= 0 ? 1 : 0;
            }
            Arrays.sort(margins);
            sortedMargins = margins;
            values.put("cosine_margin_mean", sum / n);
            values.put("cosine_margin_min", margins[0]);
            values.put("cosine_margin_negative_fraction", neg / (double) n);
            double br = 0;
            for (int c = 0; c < k; c++) {
                double v = dot(w[c], g) + b[c];
                br += v * v;
            }
            values.put("bias_relation", Math.sqrt(br));
        }
    }

    /** The pseudo-inverse of a symmetric d×d matrix, eigenvalues above max·ε·λ_max inverted. */
    static double[][] pseudoInverse(double[][] a, int max) {
        int d = a.length;
        DMatrixRMaj m = new DMatrixRMaj(a);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        eig.decompose(m);
        double top = 0;
        for (int i = 0; i < d; i++) {
            top = Math.max(top, eig.getEigenvalue(i).getReal());
        }
        double[][] p = new double[d][d];
        for (int i = 0; i < d; i++) {
            double l = eig.getEigenvalue(i).getReal();
            if (l > max * Math.ulp(1.0) * top) {
                double[] v = eig.getEigenVector(i).getData();
                for (int r = 0; r < d; r++) {
                    for (int c = 0; c < d; c++) {
                        p[r][c] += v[r] * v[c] / l;
                    }
                }
            }
        }
        return p;
    }

    static double[][] product(double[][] a, double[][] bRows) {
        double[][] p = new double[a.length][bRows.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < bRows.length; j++) {
                p[i][j] = dot(a[i], bRows[j]);
            }
        }
        return p;
    }

    static double etf(double[][] g) {
        int k = g.length;
        double norm = 0;
        for (double[] r : g) {
            for (double v : r) {
                norm += v * v;
            }
        }
        norm = Math.sqrt(norm);
        double s = 0;
        for (int a = 0; a < k; a++) {
            for (int c = 0; c < k; c++) {
                double t = ((a == c ? 1 : 0) - 1.0 / k) / Math.sqrt(k - 1);
                s += Math.pow(g[a][c] / norm - t, 2);
            }
        }
        return Math.sqrt(s);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double dist2(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return s;
    }

    static double[] sub(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] - b[i];
        }
        return r;
    }

    static double cosine(double[] a, double[] b) {
        double na = Math.sqrt(dot(a, a));
        double nb = Math.sqrt(dot(b, b));
        return na == 0 || nb == 0 ? 0 : dot(a, b) / (na * nb);
    }

    static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    static double std(double[] v) {
        double m = mean(v);
        return Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / v.length);
    }
}
