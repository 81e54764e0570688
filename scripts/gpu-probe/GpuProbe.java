import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.cuda.CudaUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * GPU probe for nclab (issue 7): loads DJL's PyTorch engine against whatever libtorch DJL was
 * pointed at, then runs, on gpu(0), each operation nclab relies on and compares it with the same
 * operation on the CPU through the same libtorch. Prints one "OK"/"FAIL"/"SKIP" line per check
 * and a summary; exit status 0 when all checks passed, 1 when one failed, 3 when the engine did
 * not load at all.
 *
 * <p>Not part of the nclab jar: scripts/gpu-bundle.sh compiles it into the bundle.
 */
public final class GpuProbe {

    record Pair(String name, double value) {}

    interface Check {
        String run() throws Exception;
    }

    private static final List<String> failed = new ArrayList<>();
    private static int passed;
    private static Device gpu;
    private static boolean expectGpu;
    private static NDManager gm;
    private static NDManager cm;

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        Engine engine;
        try {
            engine = Engine.getEngine("PyTorch");
            // The engine loads lazily: force the native load and one native call now.
            engine.getVersion();
        } catch (Throwable t) {
            System.out.println("FAIL engine-load: " + chain(t));
            t.printStackTrace(System.out);
            System.out.println("SUMMARY engine did not load");
            System.exit(3);
            return;
        }
        check("engine", () -> "PyTorch " + engine.getVersion()
                + ", libtorch dir " + ai.djl.pytorch.jni.LibUtils.getLibtorchPath()
                + ", gpuCount " + engine.getGpuCount()
                + ", defaultDevice " + engine.defaultDevice());
        check("jackson(no java.desktop)", () -> {
            com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
            String json = om.writeValueAsString(new Pair("x", 2.5));
            Pair back = om.readValue(json, Pair.class);
            require(back.equals(new Pair("x", 2.5)), "round trip");
            return json + ", java " + System.getProperty("java.version") + ", "
                    + ModuleLayer.boot().modules().size() + " modules";
        });
        check("cuda-runtime(JNA)", () -> "hasCuda " + CudaUtils.hasCuda()
                + ", cudart " + (CudaUtils.hasCuda() ? CudaUtils.getCudaVersionString() : "-")
                + ", sm " + (CudaUtils.getGpuCount() > 0 ? CudaUtils.getComputeCapability(0) : "-"));
        if (engine.getGpuCount() < 1 && !java.util.Arrays.asList(args).contains("--cpu")) {
            System.out.println("NOTE engine reports no GPU; trying gpu(0) anyway");
        }
        // "--cpu" runs every check on the CPU instead: a check of the bundle where no GPU is.
        boolean cpuOnly = java.util.Arrays.asList(args).contains("--cpu");
        gpu = cpuOnly ? Device.cpu() : Device.gpu(0);
        expectGpu = !cpuOnly;
        cm = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        try {
            gm = NDManager.newBaseManager(gpu, "PyTorch");
        } catch (Throwable t) {
            System.out.println("FAIL gpu-manager: " + chain(t));
            summary();
            return;
        }
        engine.setRandomSeed(7);

        check("create-f32", () -> {
            NDArray a = gm.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
            float[] back = a.toFloatArray();
            require(a.getDevice().equals(gpu), "not on " + gpu + ": " + a.getDevice());
            require(back[3] == 4f, "round trip");
            return "device " + a.getDevice() + ", dtype " + a.getDataType();
        });
        check("create-f64", () -> {
            NDArray a = gm.create(new double[] {1, 2, 3, 4}, new Shape(2, 2));
            double[] back = a.toDoubleArray();
            require(back[3] == 4d && a.getDataType() == DataType.FLOAT64, "round trip");
            return "device " + a.getDevice() + ", dtype " + a.getDataType();
        });
        check("random-normal/uniform", () -> {
            NDArray n = gm.randomNormal(new Shape(1000, 1000));
            NDArray u = gm.randomUniform(0f, 1f, new Shape(1000, 1000));
            double mean = n.mean().getFloat();
            double std = n.pow(2).mean().getFloat();
            double um = u.mean().getFloat();
            require(Math.abs(mean) < 0.01 && Math.abs(std - 1) < 0.01 && Math.abs(um - 0.5) < 0.01,
                    "moments off");
            return String.format(Locale.ROOT, "N mean %.4f, E[x^2] %.4f, U mean %.4f", mean, std, um);
        });
        for (DataType dt : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
            double tol = dt == DataType.FLOAT32 ? 1e-3 : 1e-10;
            String t = dt == DataType.FLOAT32 ? "f32" : "f64";
            check("matMul-" + t, () -> {
                NDArray a = cm.randomNormal(new Shape(300, 200)).toType(dt, false);
                NDArray b = cm.randomNormal(new Shape(200, 100)).toType(dt, false);
                NDArray c = a.matMul(b);
                NDArray g = a.toDevice(gpu, true).matMul(b.toDevice(gpu, true));
                return compare(c, g, tol);
            });
            check("softmax/logSoftmax-" + t, () -> {
                NDArray a = cm.randomNormal(new Shape(256, 10)).mul(5).toType(dt, false);
                NDArray ag = a.toDevice(gpu, true);
                String s1 = compare(a.softmax(1), ag.softmax(1), tol);
                String s2 = compare(a.logSoftmax(1), ag.logSoftmax(1), tol);
                return "softmax " + s1 + "; logSoftmax " + s2;
            });
            check("elementwise/reductions-" + t, () -> {
                NDArray a = cm.randomNormal(new Shape(64, 33)).toType(dt, false);
                NDArray ag = a.toDevice(gpu, true);
                NDArray c = a.exp().sub(a.abs().add(1).log()).mul(a.pow(2)).sum(new int[] {1})
                        .add(a.mean(new int[] {0}).sum()).add(a.transpose().matMul(a).sum());
                NDArray g = ag.exp().sub(ag.abs().add(1).log()).mul(ag.pow(2)).sum(new int[] {1})
                        .add(ag.mean(new int[] {0}).sum()).add(ag.transpose().matMul(ag).sum());
                NDArray cw = a.gt(0).toType(dt, false).mul(a).argMax(1);
                NDArray gw = ag.gt(0).toType(dt, false).mul(ag).argMax(1);
                require(java.util.Arrays.equals(cw.toLongArray(), gw.toDevice(Device.cpu(), false)
                        .toLongArray()), "argMax differs");
                return compare(c, g, tol * 10) + ", argMax equal";
            });
        }
        check("toType/toDevice", () -> {
            NDArray a = gm.randomNormal(new Shape(128, 64));
            NDArray d = a.toType(DataType.FLOAT64, false);
            NDArray f = d.toType(DataType.FLOAT32, false);
            NDArray h = a.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false);
            NDArray i = a.toType(DataType.INT64, false);
            NDArray onCpu = f.toDevice(Device.cpu(), true);
            require(d.getDevice().equals(gpu) && d.getDataType() == DataType.FLOAT64, "f64 cast");
            require(!onCpu.getDevice().isGpu(), "copy to cpu");
            require(java.util.Arrays.equals(a.toFloatArray(), onCpu.toFloatArray()), "f32->f64->f32");
            require(i.getDataType() == DataType.INT64, "int64 cast");
            return "f32<->f64 exact, fp16 max err "
                    + String.format(Locale.ROOT, "%.2e", a.sub(h).abs().max().getFloat());
        });
        check("conv2d", () -> {
            NDArray x = cm.randomNormal(new Shape(8, 3, 32, 32));
            NDArray w = cm.randomNormal(new Shape(16, 3, 3, 3));
            NDArray b = cm.randomNormal(new Shape(16));
            NDArray c = Conv2d.conv2d(x, w, b, new Shape(1, 1), new Shape(1, 1)).singletonOrThrow();
            NDArray g = Conv2d.conv2d(x.toDevice(gpu, true), w.toDevice(gpu, true),
                    b.toDevice(gpu, true), new Shape(1, 1), new Shape(1, 1)).singletonOrThrow();
            return "shape " + g.getShape() + ", " + compare(c, g, 2e-2);
        });
        check("batchNorm(train+eval)", () -> {
            NDArray x = cm.randomNormal(new Shape(8, 16, 10, 10)).mul(3).add(1);
            NDArray rm = cm.zeros(new Shape(16));
            NDArray rv = cm.ones(new Shape(16));
            NDArray gamma = cm.ones(new Shape(16));
            NDArray beta = cm.zeros(new Shape(16));
            NDArray grm = rm.toDevice(gpu, true);
            NDArray grv = rv.toDevice(gpu, true);
            NDArray c = BatchNorm.batchNorm(x, rm, rv, gamma, beta, 1, 0.1f, 1e-5f, true)
                    .singletonOrThrow();
            NDArray g = BatchNorm.batchNorm(x.toDevice(gpu, true), grm, grv,
                    gamma.toDevice(gpu, true), beta.toDevice(gpu, true), 1, 0.1f, 1e-5f, true)
                    .singletonOrThrow();
            String train = compare(c, g, 1e-3);
            String stats = compare(rm, grm, 1e-4);
            NDArray ce = BatchNorm.batchNorm(x, rm, rv, gamma, beta, 1, 0.1f, 1e-5f, false)
                    .singletonOrThrow();
            NDArray ge = BatchNorm.batchNorm(x.toDevice(gpu, true), grm, grv,
                    gamma.toDevice(gpu, true), beta.toDevice(gpu, true), 1, 0.1f, 1e-5f, false)
                    .singletonOrThrow();
            return "train " + train + "; running mean " + stats + "; eval " + compare(ce, ge, 1e-3);
        });
        check("relu/maxPool/dropout", () -> {
            NDArray x = gm.randomNormal(new Shape(4, 8, 16, 16));
            NDArray r = Activation.relu(x);
            NDArray p = Pool.maxPool2d(r, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
            NDList d = ai.djl.nn.norm.Dropout.dropout(r, 0.5f, true);
            require(r.min().getFloat() >= 0, "relu");
            return "pool shape " + p.getShape() + ", dropout shape " + d.head().getShape();
        });
        for (DataType dt : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
            String t = dt == DataType.FLOAT32 ? "f32" : "f64";
            double tol = dt == DataType.FLOAT32 ? 1e-3 : 1e-10;
            check("autograd-backward-" + t, () -> {
                NDArray x = cm.randomNormal(new Shape(32, 20)).toType(dt, false);
                NDArray w = cm.randomNormal(new Shape(20, 10)).toType(dt, false);
                NDArray gc = grad(x, w);
                NDArray gg = grad(x.toDevice(gpu, true), w.toDevice(gpu, true));
                return "dL/dW " + compare(gc, gg, tol);
            });
        }
        check("train-sgd(conv+bn+linear)", () -> trainSmallNet(gpu));
        check("timing-matMul", () -> {
            StringBuilder sb = new StringBuilder();
            for (DataType dt : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                int n = expectGpu ? 4096 : 1024;
                NDArray a = gm.randomNormal(new Shape(n, n)).toType(dt, false);
                NDArray b = gm.randomNormal(new Shape(n, n)).toType(dt, false);
                sync(a.matMul(b).sum()); // warm-up, waits for the GPU
                int reps = 20;
                long t0 = System.nanoTime();
                NDArray acc = null;
                for (int k = 0; k < reps; k++) {
                    NDArray c = a.matMul(b);
                    NDArray s = c.get(0, 0);
                    acc = acc == null ? s : acc.add(s);
                    c.close();
                }
                sync(acc); // forces completion
                double sec = (System.nanoTime() - t0) / 1e9;
                sb.append(String.format(Locale.ROOT, "%s %d^3: %.3f TFLOP/s; ", dt, n,
                        2.0 * n * n * n * reps / sec / 1e12));
            }
            return sb.toString();
        });
        check("gpu-memory(JNA)", () -> {
            if (!expectGpu) {
                return "skipped on the CPU";
            }
            java.lang.management.MemoryUsage m = CudaUtils.getGpuMemory(gpu);
            return String.format(Locale.ROOT, "used %.1f GiB of %.1f GiB", m.getUsed() / 1073741824.0,
                    m.getMax() / 1073741824.0);
        });
        summary();
    }

    /** Reads one value back to the host, which waits for the device's queued work. */
    private static double sync(NDArray scalar) {
        return scalar.toType(DataType.FLOAT64, false).getDouble();
    }

    private static NDArray grad(NDArray x, NDArray w) {
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            w.setRequiresGradient(true);
            NDArray loss = x.matMul(w).logSoftmax(1).get(":, 0").neg().mean();
            gc.backward(loss);
        }
        return w.getGradient();
    }

    private static String trainSmallNet(Device device) throws Exception {
        SequentialBlock net = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                        .setFilters(8).build())
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(10).build());
        try (Model model = Model.newInstance("probe", device, "PyTorch")) {
            model.setBlock(net);
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f))
                            .optMomentum(0.9f).optWeightDecays(5e-4f).build())
                    .optDevices(new Device[] {device});
            try (Trainer trainer = model.newTrainer(cfg)) {
                trainer.initialize(new Shape(64, 1, 16, 16));
                NDManager m = trainer.getManager();
                NDArray x = m.randomNormal(new Shape(64, 1, 16, 16));
                NDArray y = m.randomInteger(0, 10, new Shape(64), DataType.INT64).toType(DataType.FLOAT32, false);
                float first = Float.NaN;
                float last = Float.NaN;
                for (int step = 0; step < 30; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList pred = trainer.forward(new NDList(x));
                        NDArray l = trainer.getLoss().evaluate(new NDList(y), pred);
                        gc.backward(l);
                        last = l.getFloat();
                        if (step == 0) {
                            first = last;
                        }
                    }
                    trainer.step();
                }
                NDArray p = trainer.getModel().getBlock().getParameters().get(0).getValue().getArray();
                require(p.getDevice().isGpu() == device.isGpu(), "parameters on " + p.getDevice());
                require(last < first * 0.5, "loss did not fall: " + first + " -> " + last);
                return String.format(Locale.ROOT, "30 SGD steps, loss %.4f -> %.4f, params on %s",
                        first, last, p.getDevice());
            }
        }
    }

    private static String compare(NDArray cpu, NDArray gpuArr, double tol) {
        require(gpuArr.getDevice().equals(gpu), "result not on " + gpu + ": " + gpuArr.getDevice());
        NDArray g = gpuArr.toDevice(Device.cpu(), true).toType(DataType.FLOAT64, false);
        NDArray c = cpu.toType(DataType.FLOAT64, false);
        double scale = Math.max(1.0, c.abs().max().getDouble());
        double err = c.sub(g).abs().max().getDouble() / scale;
        require(err <= tol, String.format(Locale.ROOT, "GPU vs CPU rel. max error %.3e > %.1e", err, tol));
        return String.format(Locale.ROOT, "GPU vs CPU rel. max err %.2e", err);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }

    private static void check(String name, Check c) {
        try {
            String detail = c.run();
            passed++;
            System.out.println("OK   " + name + ": " + detail);
        } catch (Throwable t) {
            failed.add(name);
            System.out.println("FAIL " + name + ": " + chain(t));
        }
        System.out.flush();
    }

    private static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            String msg = String.valueOf(c.getMessage());
            int nl = msg.indexOf('\n');
            if (nl >= 0) {
                msg = msg.substring(0, nl) + " [...]";
            }
            if (msg.length() > 600) {
                msg = msg.substring(0, 600) + " [...]";
            }
            sb.append(c.getClass().getName()).append(": ").append(msg);
        }
        return sb.toString();
    }

    private static void summary() {
        System.out.println("SUMMARY " + passed + " passed, " + failed.size() + " failed"
                + (failed.isEmpty() ? "" : " " + failed));
        System.out.flush();
        System.exit(failed.isEmpty() ? 0 : 1);
    }
}
