package io.nclab.io;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nclab.SystemMemory;
import io.nclab.UserError;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format (format versions 1.0, 2.0 and 3.0), the file PyTorch and NumPy users
 * already have: {@code np.save("H.npy", features)}.
 *
 * <p>A file is the magic {@code \x93NUMPY}, a version, the length of a header, the header (a Python
 * dict literal such as {@code {'descr': '<f4', 'fortran_order': False, 'shape': (50000, 2048), }}),
 * then the raw data. Supported are float32, float64, int32 and int64 in either byte order, in C
 * (row-major) order. Fortran order (for arrays of two or more dimensions), other dtypes and files
 * shorter than their header promises are {@link UserError}s naming the file.
 *
 * <p>Files are written as version 1.0 (2.0 if the header is too long), little-endian, C order, the
 * header padded so that the data starts on a 64-byte boundary, as {@code np.save} does.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Bytes read into one view of an array's memory at a time (Java buffers hold at most 2 GiB). */
    static long pieceBytes = 1L << 30;

    /**
     * The element types nclab reads: float16 (what mixed-precision training saves; {@code nclab metrics} widens it
     * to float32, exactly), float32 and float64; int8, uint8 and int16 (labels saved small), int32 and int64. It
     * writes float32, float64, int32 and int64.
     */
    public enum DType {
        FLOAT16('f', 2, DataType.FLOAT16),
        FLOAT32('f', 4, DataType.FLOAT32),
        FLOAT64('f', 8, DataType.FLOAT64),
        INT8('i', 1, DataType.INT8),
        UINT8('u', 1, DataType.UINT8),
        /** Read into an int32 array: DJL's PyTorch engine has no int16 arrays (creating one ends the process). */
        INT16('i', 2, DataType.INT32),
        INT32('i', 4, DataType.INT32),
        INT64('i', 8, DataType.INT64);

        final char kind;
        final int size;
        final DataType djl;

        DType(char kind, int size, DataType djl) {
            this.kind = kind;
            this.size = size;
            this.djl = djl;
        }

        public int size() {
            return size;
        }

        public DataType djl() {
            return djl;
        }

        /** NumPy's type string, little-endian where the byte order matters, e.g. {@code <f4} or {@code |u1}. */
        public String descr() {
            return (size == 1 ? "|" : "<") + kind + size;
        }

        public boolean floating() {
            return kind == 'f';
        }

        static DType of(DataType t) {
            for (DType d : new DType[] {FLOAT32, FLOAT64, INT32, INT64}) {
                if (d.djl == t) {
                    return d;
                }
            }
            throw new IllegalArgumentException("cannot write " + t + " to .npy (float32, float64, int32, int64 only)");
        }
    }

    /** What a file's header says: element type, byte order, layout, shape and where the data starts. */
    public record Header(DType dtype, ByteOrder order, boolean fortranOrder, long[] shape, long dataOffset) {
        public long count() {
            long n = 1;
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
            }
            return n;
        }

        public long dataBytes() {
            return Math.multiplyExact(count(), (long) dtype.size);
        }

        public String shapeText() {
            return Arrays.toString(shape).replace('[', '(').replace(']', ')');
        }
    }

    // ---------------------------------------------------------------- reading

    /** Reads and checks a file's header. */
    public static Header readHeader(Path file) {
        try (FileChannel ch = open(file)) {
            return readHeader(ch, file.toString());
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + IoErrors.reason(e), e);
        }
    }

    /**
     * The whole array, in its stored dtype, on the manager's device. The data goes from the file straight into
     * the array's own memory (a CPU array's direct view, a piece at a time): no second copy of the file is
     * ever held, so a file needs its own size in memory and no more.
     */
    public static NDArray read(Path file, NDManager manager) {
        return read(file, manager, null);
    }

    /**
     * What a reader of an array is told as its rows arrive, on the reading thread: for work on the rows already read
     * while the rest is (the first pass of {@code nclab metrics} sums each piece while it is in cache, on another
     * core). An exception thrown here ends the read and is passed on.
     */
    public interface Arrival {
        /**
         * The array is allocated, in CPU memory and contiguous, and none of it is read yet: its dtype and shape are
         * the file's (a UserError here refuses the file before its data is read).
         */
        void allocated(NDArray array);

        /** The first {@code rows} rows (along the first axis) hold the file's values, in native byte order. */
        void rowsRead(long rows);
    }

    /** Bytes read between two {@link Arrival#rowsRead} calls at most: a piece that stays in cache until it is used. */
    static long arrivalBytes = 1L << 22;

    /**
     * {@link #read(Path, NDManager)}, telling {@code arrival} (null: nobody) as the rows come in: only for a CPU manager
     * and a dtype read as it is stored (not int16); otherwise it is told nothing, and the whole array is returned as
     * usual.
     */
    public static NDArray read(Path file, NDManager manager, Arrival arrival) {
        try (FileChannel ch = open(file)) {
            Header h = readHeader(ch, file.toString());
            checkLength(h, ch.size(), file.toString());
            if (!manager.getDevice().equals(Device.cpu())) {
                try (NDManager host = NDManager.newBaseManager(Device.cpu())) {
                    NDArray a = fill(ch, h, host, file, null).toDevice(manager.getDevice(), false);
                    a.attach(manager);
                    return a;
                }
            }
            return fill(ch, h, manager, file, arrival);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + IoErrors.reason(e), e);
        }
    }

    /** A new CPU array of the header's shape, filled from the file. */
    private static NDArray fill(FileChannel ch, Header h, NDManager manager, Path file, Arrival arrival)
            throws IOException {
        // Refused before anything is allocated: past the memory available the kernel kills the process half way
        // through the read, with no message.
        long available = SystemMemory.availableBytes();
        if (available > 0 && h.dataBytes() > available) {
            throw new UserError(String.format(Locale.ROOT, "%s holds %.3g GB of data, but this machine has %.3g GB of"
                    + " memory available", file, h.dataBytes() / 1e9, available / 1e9));
        }
        if (h.dtype == DType.INT16) {
            return widenedShorts(ch, h, manager, file);
        }
        NDArray out;
        try {
            out = manager.create(new Shape(h.shape), h.dtype.djl); // uninitialised: every byte is read below
        } catch (RuntimeException e) {
            throw new UserError(String.format(Locale.ROOT, "not enough memory to read %s (%.3g GB)", file,
                    h.dataBytes() / 1e9), e);
        }
        long count = h.count();
        if (arrival != null) {
            arrival.allocated(out);
        }
        if (count == 0) {
            return out;
        }
        // elements per row (along the first axis), for telling how many rows have arrived
        long row = h.shape.length == 0 || h.shape[0] == 0 ? count : count / h.shape[0];
        // Flat pieces of whole elements, each below a Java buffer's 2 GiB, read into views of the array; with
        // someone to tell, in steps of about arrivalBytes.
        long perPiece = Math.max(1, pieceBytes / h.dtype.size);
        long perStep = arrival == null ? perPiece : Math.max(1, Math.min(perPiece, arrivalBytes / h.dtype.size));
        try (NDManager scope = manager.newSubManager()) {
            NDArray flat = out.reshape(count);
            flat.attach(scope);
            for (long from = 0; from < count; from += perPiece) {
                long to = Math.min(count, from + perPiece);
                NDArray view = flat.get(new NDIndex().addSliceDim(from, to));
                view.attach(scope);
                ByteBuffer buf = view.toByteBuffer(true);
                if (!buf.isDirect() || buf.capacity() != (to - from) * h.dtype.size) {
                    throw new IllegalStateException("no direct view of an array's memory");
                }
                for (long a = from; a < to; a += perStep) {
                    long b = Math.min(to, a + perStep);
                    ByteBuffer step = buf.duplicate().limit((int) ((b - from) * h.dtype.size))
                            .position((int) ((a - from) * h.dtype.size)).slice();
                    readFully(ch, step, h.dataOffset + a * h.dtype.size, file.toString(), false);
                    if (h.order != ByteOrder.nativeOrder()) {
                        swapToNative(step.clear(), h.dtype, h.order);
                    }
                    if (arrival != null) {
                        arrival.rowsRead(b / row);
                    }
                }
            }
        }
        return out;
    }

    /** An int16 file as an int32 array, read through Java memory a piece at a time. */
    private static NDArray widenedShorts(FileChannel ch, Header h, NDManager manager, Path file) throws IOException {
        if (h.count() > Integer.MAX_VALUE - 8) {
            throw new UserError(file + ": " + h.count() + " int16 values are more than nclab reads from one int16 file"
                    + " (2^31); save them as int32 or int64");
        }
        int count = (int) h.count();
        int[] values = new int[count];
        int perPiece = (int) Math.min(count, Math.max(1, pieceBytes / 2));
        ByteBuffer buf = ByteBuffer.allocate(Math.max(2, 2 * perPiece)).order(h.order);
        for (int from = 0; from < count; from += perPiece) {
            int n = Math.min(perPiece, count - from);
            buf.clear().limit(2 * n);
            readFully(ch, buf, h.dataOffset + 2L * from, file.toString(), false);
            for (int i = 0; i < n; i++) {
                values[from + i] = buf.getShort(2 * i);
            }
        }
        return manager.create(values, new Shape(h.shape));
    }

    /** A whole file's contents held in Java memory (for small arrays: labels, archives). */
    public static Host readHost(byte[] bytes, String source) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        Header h = parseHeader(b, source);
        checkLength(h, bytes.length, source);
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) h.dataOffset, (int) h.dataBytes()).slice().order(h.order);
        return new Host(h, data);
    }

    /** An array read into Java memory, convertible to doubles or longs. */
    public static final class Host {
        private final Header header;
        private final ByteBuffer data;

        Host(Header header, ByteBuffer data) {
            this.header = header;
            this.data = data;
        }

        public Header header() {
            return header;
        }

        public long[] shape() {
            return header.shape.clone();
        }

        public double[] toDoubles() {
            int n = Math.toIntExact(header.count());
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                out[i] = switch (header.dtype) {
                    case FLOAT16 -> halfToFloat(data.getShort(2 * i));
                    case FLOAT32 -> data.getFloat(4 * i);
                    case FLOAT64 -> data.getDouble(8 * i);
                    default -> integer(i);
                };
            }
            return out;
        }

        public long[] toLongs() {
            if (header.dtype.floating()) {
                throw new UserError("expected integers, found " + header.dtype.name().toLowerCase(Locale.ROOT));
            }
            int n = Math.toIntExact(header.count());
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                out[i] = integer(i);
            }
            return out;
        }

        /** Element i of an integer array. */
        private long integer(int i) {
            return switch (header.dtype) {
                case INT8 -> data.get(i);
                case UINT8 -> Byte.toUnsignedInt(data.get(i));
                case INT16 -> data.getShort(2 * i);
                case INT32 -> data.getInt(4 * i);
                case INT64 -> data.getLong(8 * i);
                default -> throw new IllegalStateException(header.dtype + " is not an integer type");
            };
        }
    }

    /** The IEEE binary16 number with these bits as a float (exact: every half is a float). */
    static float halfToFloat(short bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) { // zero or subnormal: mantissa · 2^-24
            float v = mantissa * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static FileChannel open(Path file) throws IOException {
        try {
            return FileChannel.open(file);
        } catch (NoSuchFileException e) {
            throw new UserError("no such file: " + file, e);
        }
    }

    private static Header readHeader(FileChannel ch, String source) throws IOException {
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, 0, source, true);
        int headerLength = headerLengthField(pre, source);
        int prefix = pre.get(6) == 1 ? 10 : 12;
        ByteBuffer all = ByteBuffer.allocate(prefix + headerLength);
        readFully(ch, all, 0, source, false);
        return parseHeader(all, source);
    }

    /** Parses the header at the start of {@code b} (position ignored). */
    static Header parseHeader(ByteBuffer b, String source) {
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (le.limit() < 10) {
            throw new UserError(source + " is not a .npy file (too short)");
        }
        int headerLength = headerLengthField(le, source);
        int major = le.get(6);
        int prefix = major == 1 ? 10 : 12;
        if (le.limit() < prefix + headerLength) {
            throw new UserError(source + " is truncated: its .npy header is cut short");
        }
        byte[] text = new byte[headerLength];
        le.get(prefix, text);
        String dict = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return parseDict(dict, prefix + headerLength, source);
    }

    private static int headerLengthField(ByteBuffer le, String source) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (le.get(i) != MAGIC[i]) {
                throw new UserError(source + " is not a .npy file (no \\x93NUMPY magic)");
            }
        }
        int major = le.get(6);
        if (major < 1 || major > 3) {
            throw new UserError(source + ": unsupported .npy format version " + major + "." + le.get(7));
        }
        if (major == 1) {
            return Short.toUnsignedInt(le.getShort(8));
        }
        if (le.limit() < 12) {
            throw new UserError(source + " is truncated: its .npy header is cut short");
        }
        long len = Integer.toUnsignedLong(le.getInt(8));
        if (len > 1 << 24) {
            throw new UserError(source + ": implausible .npy header length " + len);
        }
        return (int) len;
    }

    /** What nclab reads, as error messages say it. */
    static final String SUPPORTED = "float16, float32 or float64 features and weights, int8, uint8, int16, int32 or"
            + " int64 labels";

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*(['\"])([^'\"]*)\\1");
    private static final Pattern STRUCTURED = Pattern.compile("'descr'\\s*:\\s*\\[");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private static Header parseDict(String dict, long dataOffset, String source) {
        if (STRUCTURED.matcher(dict).find()) {
            throw new UserError(source + ": structured dtypes are not supported (nclab reads " + SUPPORTED + ")");
        }
        Matcher d = DESCR.matcher(dict);
        Matcher f = FORTRAN.matcher(dict);
        Matcher s = SHAPE.matcher(dict);
        if (!d.find() || !f.find() || !s.find()) {
            throw new UserError(source + ": malformed .npy header " + shown(dict));
        }
        String descr = d.group(2);
        ByteOrder order;
        String type = descr;
        char first = descr.isEmpty() ? '?' : descr.charAt(0);
        if (first == '<' || first == '|') {
            order = ByteOrder.LITTLE_ENDIAN;
            type = descr.substring(1);
        } else if (first == '>') {
            order = ByteOrder.BIG_ENDIAN;
            type = descr.substring(1);
        } else if (first == '=') {
            order = ByteOrder.nativeOrder();
            type = descr.substring(1);
        } else {
            order = ByteOrder.nativeOrder();
        }
        DType dtype = null;
        for (DType t : DType.values()) {
            if (type.equals(String.valueOf(t.kind) + t.size)) {
                dtype = t;
            }
        }
        if (dtype == null) {
            throw new UserError(source + ": dtype '" + shown(descr) + "' is not supported (nclab reads " + SUPPORTED
                    + ")");
        }
        List<Long> dims = new ArrayList<>();
        for (String part : s.group(1).split(",")) {
            String p = part.trim();
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1);
            }
            if (p.isEmpty()) {
                continue;
            }
            try {
                long v = Long.parseLong(p);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                dims.add(v);
            } catch (NumberFormatException e) {
                throw new UserError(source + ": malformed shape (" + shown(s.group(1)) + ") in .npy header");
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        boolean fortran = f.group(1).equals("True");
        if (fortran && shape.length >= 2) {
            throw new UserError(source + " is stored in Fortran (column-major) order; save it in C order,"
                    + " e.g. np.save(path, np.ascontiguousarray(a))");
        }
        return new Header(dtype, order, fortran, shape, dataOffset);
    }

    /** The most characters of a header's text an error message quotes. */
    static final int SHOWN_CHARS = 120;

    /**
     * Text read from a header, as an error message quotes it: stripped, runs of spaces as one, every character
     * outside printable ASCII escaped ({@code \n}, {@code \x84}), cut to {@link #SHOWN_CHARS} characters: a
     * malformed header's padding, newline and the data bytes after it would otherwise run the message over
     * several lines.
     */
    static String shown(String text) {
        StringBuilder b = new StringBuilder();
        String s = text.strip().replaceAll(" {2,}", " "); // the padding, one space
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String e = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                    : c >= 0x20 && c < 0x7f ? String.valueOf(c)
                    : String.format(Locale.ROOT, c <= 0xff ? "\\x%02x" : "\\u%04x", (int) c);
            if (b.length() + e.length() > SHOWN_CHARS) {
                return b.append("...").toString();
            }
            b.append(e);
        }
        return b.toString();
    }

    private static void checkLength(Header h, long fileSize, String source) {
        long need;
        try {
            need = Math.addExact(h.dataOffset, h.dataBytes());
        } catch (ArithmeticException e) {
            throw new UserError(source + ": shape " + h.shapeText() + " is too large");
        }
        if (fileSize < need) {
            throw new UserError(source + " is truncated: shape " + h.shapeText() + " of " + h.dtype.name()
                    .toLowerCase(Locale.ROOT) + " needs " + h.dataBytes() + " bytes of data, the file has "
                    + Math.max(0, fileSize - h.dataOffset));
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long offset, String source, boolean header)
            throws IOException {
        long pos = offset;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new UserError(header ? source + " is not a .npy file (too short)"
                        : source + " is truncated");
            }
            pos += r;
        }
    }

    /** Rewrites the buffer's elements from {@code from} byte order to the native one, in place. */
    private static void swapToNative(ByteBuffer buf, DType t, ByteOrder from) {
        ByteBuffer src = buf.duplicate().order(from);
        ByteBuffer dst = buf.duplicate().order(ByteOrder.nativeOrder());
        int n = buf.limit() / t.size;
        if (t.size == 1) {
            return;
        }
        if (t.size == 2) {
            for (int i = 0; i < n; i++) {
                dst.putShort(2 * i, src.getShort(2 * i));
            }
        } else if (t.size == 4) {
            for (int i = 0; i < n; i++) {
                dst.putInt(4 * i, src.getInt(4 * i));
            }
        } else {
            for (int i = 0; i < n; i++) {
                dst.putLong(8 * i, src.getLong(8 * i));
            }
        }
    }

    // ---------------------------------------------------------------- writing

    /** Writes an NDArray (float32, float64, int32 or int64, any device) as a little-endian C-order file. */
    public static void write(Path file, NDArray array) {
        DType t = DType.of(array.getDataType());
        long[] shape = array.getShape().getShape();
        AtomicFiles.write(file, out -> {
            out.write(header(t, shape));
            ByteBuffer data = array.toByteBuffer().order(ByteOrder.nativeOrder());
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                swapToNative(data, t, ByteOrder.LITTLE_ENDIAN);
            }
            WritableByteChannel ch = Channels.newChannel(out);
            while (data.hasRemaining()) {
                ch.write(data);
            }
        });
    }

    /** The bytes of a float64 .npy file holding {@code data} in the given shape. */
    public static byte[] encode(double[] data, long... shape) {
        checkCount(data.length, shape);
        ByteBuffer b = encoded(DType.FLOAT64, shape);
        for (double v : data) {
            b.putDouble(v);
        }
        return b.array();
    }

    /** The bytes of an int64 .npy file holding {@code data} in the given shape. */
    public static byte[] encode(long[] data, long... shape) {
        checkCount(data.length, shape);
        ByteBuffer b = encoded(DType.INT64, shape);
        for (long v : data) {
            b.putLong(v);
        }
        return b.array();
    }

    /** Writes a float64 array held in Java memory. */
    public static void write(Path file, double[] data, long... shape) {
        byte[] bytes = encode(data, shape);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** Writes class labels as the int64 vector NumPy and {@code nclab metrics} read. */
    public static void writeLabels(Path file, int[] labels) {
        long[] y = new long[labels.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels[i];
        }
        byte[] bytes = encode(y, y.length);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** Writes the header for an array of the given type and shape. */
    public static void writeHeader(OutputStream out, DType t, long... shape) throws IOException {
        out.write(header(t, shape));
    }

    private static void checkCount(int n, long[] shape) {
        long c = 1;
        for (long s : shape) {
            c *= s;
        }
        if (c != n) {
            throw new IllegalArgumentException(n + " values do not fill shape " + Arrays.toString(shape));
        }
    }

    private static ByteBuffer encoded(DType t, long[] shape) {
        byte[] h = header(t, shape);
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(h.length + n * t.size)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(h);
        return b;
    }

    static byte[] header(DType t, long[] shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        s.append(shape.length == 1 ? ",)" : ")");
        String dict = "{'descr': '" + t.descr() + "', 'fortran_order': False, 'shape': " + s + ", }";
        int version = dict.length() + 11 < 65536 ? 1 : 2;
        int prefix = version == 1 ? 10 : 12;
        int total = prefix + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String text = dict + " ".repeat(padded - total) + "\n";
        ByteBuffer b = ByteBuffer.allocate(prefix + text.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            b.putShort((short) text.length());
        } else {
            b.putInt(text.length());
        }
        b.put(text.getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }
}
