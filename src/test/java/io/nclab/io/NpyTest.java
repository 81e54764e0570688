package io.nclab.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nclab.UserError;
import io.nclab.nd.Nd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** .npy files against the format as NumPy documents it, built byte by byte here. */
class NpyTest {
    static NDManager manager;
    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        manager = Nd.newManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    /** A file as np.save writes it: magic, version 1.0, header padded with spaces to 64 bytes, data. */
    static byte[] npyFile(String descr, String fortran, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String text = dict + " ".repeat(padded - total) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + text.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) text.length()).put(text.getBytes(StandardCharsets.US_ASCII)).put(data);
        return b.array();
    }

    private Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void headerIsByteForByteWhatNumpyWrites() {
        // np.save(f, np.zeros((2, 3))) begins with exactly these 128 bytes.
        byte[] expected = npyFile("<f8", "False", "(2, 3)", new byte[0]);
        assertEquals(128, expected.length);
        assertArrayEquals(expected, Npy.header(Npy.DType.FLOAT64, new long[] {2, 3}));
        assertArrayEquals(npyFile("<i4", "False", "(5,)", new byte[0]), Npy.header(Npy.DType.INT32, new long[] {5}));
        assertArrayEquals(npyFile("<f4", "False", "()", new byte[0]), Npy.header(Npy.DType.FLOAT32, new long[0]));
    }

    @Test
    void roundTripsEveryDtypeAndShape() {
        double[] v = {1.5, -2.25, 3e10, 0, 7, -8};
        for (DataType t : new DataType[] {DataType.FLOAT32, DataType.FLOAT64, DataType.INT32, DataType.INT64}) {
            for (long[] shape : new long[][] {{2, 3}, {6}, {3, 1, 2}}) {
                NDArray a = manager.create(v, new Shape(shape)).toType(t, false);
                Path p = dir.resolve("a.npy");
                Npy.write(p, a);
                NDArray b = Npy.read(p, manager);
                assertEquals(t, b.getDataType());
                assertEquals(a.getShape(), b.getShape());
                assertArrayEquals(Nd.toDoubles(a), Nd.toDoubles(b));
                assertEquals(0, Npy.readHeader(p).dataOffset() % 64);
            }
        }
        NDArray empty = manager.create(new Shape(0, 4), DataType.FLOAT32);
        Npy.write(dir.resolve("e.npy"), empty);
        assertEquals(new Shape(0, 4), Npy.read(dir.resolve("e.npy"), manager).getShape());
    }

    @Test
    void transposedViewsAreWrittenInLogicalOrder() {
        NDArray a = manager.create(new double[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
        Npy.write(dir.resolve("t.npy"), a.transpose());
        NDArray b = Npy.read(dir.resolve("t.npy"), manager);
        assertEquals(new Shape(3, 2), b.getShape());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, b.toDoubleArray());
    }

    @Test
    void readsBothByteOrders() throws IOException {
        double[] v = {1.0, -2.5, 1e-300, 12345.678};
        for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
            String c = order == ByteOrder.BIG_ENDIAN ? ">" : "<";
            ByteBuffer f8 = ByteBuffer.allocate(32).order(order);
            ByteBuffer f4 = ByteBuffer.allocate(16).order(order);
            ByteBuffer i4 = ByteBuffer.allocate(16).order(order);
            ByteBuffer i8 = ByteBuffer.allocate(32).order(order);
            for (double x : v) {
                f8.putDouble(x);
                f4.putFloat((float) x);
                i4.putInt((int) x);
                i8.putLong((long) x * 1_000_000_007L);
            }
            NDArray a = Npy.read(file("f8.npy", npyFile(c + "f8", "False", "(2, 2)", f8.array())), manager);
            assertArrayEquals(v, a.toDoubleArray());
            assertEquals(new Shape(2, 2), a.getShape());
            NDArray b = Npy.read(file("f4.npy", npyFile(c + "f4", "False", "(4,)", f4.array())), manager);
            for (int i = 0; i < 4; i++) {
                assertEquals((float) v[i], b.toFloatArray()[i]);
            }
            NDArray ci = Npy.read(file("i4.npy", npyFile(c + "i4", "False", "(4,)", i4.array())), manager);
            assertArrayEquals(new int[] {1, -2, 0, 12345}, ci.toIntArray());
            NDArray cl = Npy.read(file("i8.npy", npyFile(c + "i8", "False", "(4,)", i8.array())), manager);
            assertEquals(12345L * 1_000_000_007L, cl.toLongArray()[3]);
            assertEquals(-2L * 1_000_000_007L, Npy.readHost(npyFile(c + "i8", "False", "(4,)", i8.array()), "x")
                    .toLongs()[1]);
        }
    }

    /**
     * float16 (mixed-precision features) and small integers (labels) in both byte orders: float16 stays float16 (the
     * metrics command widens it), int16 comes back as int32 (DJL's PyTorch engine has no int16 arrays).
     */
    @Test
    void readsHalfsAndSmallIntegersInBothByteOrders() throws IOException {
        // 1, -2.5, the largest half, the smallest subnormal, -0, infinity, NaN
        short[] halves = {0x3c00, (short) 0xc100, 0x7bff, 0x0001, (short) 0x8000, 0x7c00, 0x7e00};
        float[] expected = {1f, -2.5f, 65504f, 0x1p-24f, -0f, Float.POSITIVE_INFINITY, Float.NaN};
        short[] values = {-32768, -1, 0, 7, 32767};
        for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
            String c = order == ByteOrder.BIG_ENDIAN ? ">" : "<";
            byte[] file = npyFile(c + "f2", "False", "(7,)", shorts(order, halves));
            NDArray a = Npy.read(file("f2.npy", file), manager);
            assertEquals(DataType.FLOAT16, a.getDataType());
            float[] wide = a.toType(DataType.FLOAT32, false).toFloatArray();
            double[] host = Npy.readHost(file, "f2").toDoubles();
            for (int i = 0; i < halves.length; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(wide[i]), "half " + i);
                assertEquals(Double.doubleToLongBits(expected[i]), Double.doubleToLongBits(host[i]), "host half " + i);
            }
            byte[] ints = npyFile(c + "i2", "False", "(5,)", shorts(order, values));
            NDArray b = Npy.read(file("i2.npy", ints), manager);
            assertEquals(DataType.INT32, b.getDataType());
            assertArrayEquals(new int[] {-32768, -1, 0, 7, 32767}, b.toIntArray());
            assertArrayEquals(new long[] {-32768, -1, 0, 7, 32767}, Npy.readHost(ints, "i2").toLongs());
        }
        byte[] bytes = {-128, -1, 0, 7, 127};
        NDArray i1 = Npy.read(file("i1.npy", npyFile("|i1", "False", "(5,)", bytes)), manager);
        assertEquals(DataType.INT8, i1.getDataType());
        assertArrayEquals(new long[] {-128, -1, 0, 7, 127}, i1.toType(DataType.INT64, false).toLongArray());
        NDArray u1 = Npy.read(file("u1.npy", npyFile("|u1", "False", "(5,)", bytes)), manager);
        assertEquals(DataType.UINT8, u1.getDataType());
        assertArrayEquals(new long[] {128, 255, 0, 7, 127}, u1.toType(DataType.INT64, false).toLongArray());
        assertArrayEquals(new long[] {128, 255, 0, 7, 127},
                Npy.readHost(npyFile("|u1", "False", "(5,)", bytes), "u1").toLongs());
    }

    /** 16-bit values in this byte order. */
    private static byte[] shorts(ByteOrder order, short... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(order);
        for (short v : values) {
            b.putShort(v);
        }
        return b.array();
    }

    /** Every one of the 65,536 halves converts in Java (the host reader) exactly as PyTorch converts it. */
    @Test
    void halfToFloatAgreesWithPyTorchOnEveryHalf() {
        ByteBuffer all = ByteBuffer.allocate(2 * 65536).order(ByteOrder.nativeOrder());
        for (int i = 0; i < 65536; i++) {
            all.putShort((short) i);
        }
        all.flip();
        float[] torch = manager.create(all, new Shape(65536), DataType.FLOAT16).toType(DataType.FLOAT32, false)
                .toFloatArray();
        for (int i = 0; i < 65536; i++) {
            float java = Npy.halfToFloat((short) i);
            if (Float.isNaN(torch[i])) {
                assertTrue(Float.isNaN(java), "half " + Integer.toHexString(i));
            } else {
                assertEquals(Float.floatToIntBits(torch[i]), Float.floatToIntBits(java),
                        "half " + Integer.toHexString(i));
            }
        }
    }

    @Test
    void fortranOrderIsAClearErrorForMatricesOnly() throws IOException {
        Path f = file("f.npy", npyFile("<f8", "True", "(2, 2)", new byte[32]));
        UserError e = assertThrows(UserError.class, () -> Npy.read(f, manager));
        assertTrue(e.getMessage().contains("Fortran"), e.getMessage());
        assertTrue(e.getMessage().contains("f.npy"), e.getMessage());
        assertEquals(new Shape(4), Npy.read(file("v.npy", npyFile("<f8", "True", "(4,)", new byte[32])), manager)
                .getShape());
    }

    @ParameterizedTest
    @ValueSource(strings = {"<f16", "<c16", "|b1", "<u8", "<u2", "<U3", "|O"})
    void unsupportedDtypesAreNamed(String descr) throws IOException {
        Path f = file("u.npy", npyFile(descr, "False", "(2,)", new byte[64]));
        UserError e = assertThrows(UserError.class, () -> Npy.read(f, manager));
        assertTrue(e.getMessage().contains(descr) && e.getMessage().contains("not supported"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void structuredDtypesAreRejected() throws IOException {
        String dict = "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }";
        byte[] b = npyFile("<f8", "False", "(2,)", new byte[16]);
        byte[] s = new String(b, StandardCharsets.ISO_8859_1)
                .replace("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", dict)
                .getBytes(StandardCharsets.ISO_8859_1);
        UserError e = assertThrows(UserError.class, () -> Npy.readHeader(file("s.npy", s)));
        assertTrue(e.getMessage().contains("structured"), e.getMessage());
    }

    /** A malformed header is quoted on one line: padding stripped, newline and stray bytes escaped, cut short. */
    @Test
    void aMalformedHeaderIsQuotedOnOneLine() throws IOException {
        // the shape's closing parenthesis missing, and the length field counting four bytes past the newline
        byte[] b = npyFile("<f8", "False", "(60,8", new byte[] {' ', 'A', (byte) 0xc2, (byte) 0x84});
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) (b.length - 10));
        UserError e = assertThrows(UserError.class, () -> Npy.readHeader(file("m.npy", b)));
        String m = e.getMessage();
        assertTrue(m.matches("[\\x20-\\x7e]+"), "not one printable line: " + m);
        assertTrue(m.contains(": malformed .npy header {'descr': '<f8', 'fortran_order': False, 'shape': (60,8, }"), m);
        assertTrue(m.endsWith("\\n A\\xc2\\x84"), m);

        String junk = "{'descr': '<f8', \u0001" + "x".repeat(500) + " }";
        byte[] longer = ("\u0093NUMPY\u0001\u0000\u0000\u0000" + junk + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer.wrap(longer).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) (junk.length() + 1));
        String cut = assertThrows(UserError.class, () -> Npy.readHeader(file("j.npy", longer))).getMessage();
        assertTrue(cut.contains("{'descr': '<f8', \\x01xxx") && cut.endsWith("x...")
                && cut.length() < Npy.SHOWN_CHARS + 80, cut);
    }

    @Test
    void truncatedFilesSayWhatIsMissing() throws IOException {
        byte[] full = npyFile("<f4", "False", "(10, 3)", new byte[120]);
        Path f = file("t.npy", Arrays.copyOf(full, full.length - 7));
        UserError e = assertThrows(UserError.class, () -> Npy.read(f, manager));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("113"), e.getMessage());
        Path g = file("h.npy", Arrays.copyOf(full, 40));
        assertTrue(assertThrows(UserError.class, () -> Npy.read(g, manager)).getMessage().contains("truncated"));
        Path h = file("n.npy", "hello, world, not numpy".getBytes(StandardCharsets.US_ASCII));
        assertTrue(assertThrows(UserError.class, () -> Npy.read(h, manager)).getMessage().contains("not a .npy"));
        assertTrue(assertThrows(UserError.class, () -> Npy.read(dir.resolve("missing.npy"), manager))
                .getMessage().contains("no such file"));
    }

    @Test
    void version2HeadersAreRead() throws IOException {
        byte[] v1 = npyFile("<f8", "False", "(3,)", new byte[24]);
        int textLen = v1.length - 10 - 24;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0});
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(textLen).array());
        out.write(v1, 10, textLen);
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putDouble(1).putDouble(2).putDouble(3);
        out.write(data.array());
        assertArrayEquals(new double[] {1, 2, 3}, Npy.read(file("v2.npy", out.toByteArray()), manager).toDoubleArray());
    }

    @Test
    void largeFilesAreReadInPiecesStraightIntoTheArray() throws IOException {
        long saved = Npy.pieceBytes;
        try {
            // 7 rows of 3 float64 (21 elements) in pieces of 12: one piece ends in the middle of a row
            Npy.pieceBytes = 100;
            double[] v = new double[21];
            for (int i = 0; i < v.length; i++) {
                v[i] = i * 1.25 - 3;
            }
            Npy.write(dir.resolve("big.npy"), manager.create(v, new Shape(7, 3)));
            NDArray b = Npy.read(dir.resolve("big.npy"), manager);
            assertEquals(new Shape(7, 3), b.getShape());
            assertArrayEquals(v, b.toDoubleArray());
            // the other byte order, swapped piece by piece; float32 pieces of 25 elements
            ByteBuffer be = ByteBuffer.allocate(4 * 30).order(ByteOrder.BIG_ENDIAN);
            float[] f = new float[30];
            for (int i = 0; i < f.length; i++) {
                f[i] = i / 7f - 1;
                be.putFloat(f[i]);
            }
            NDArray c = Npy.read(file("be.npy", npyFile(">f4", "False", "(10, 3)", be.array())), manager);
            assertEquals(new Shape(10, 3), c.getShape());
            assertArrayEquals(f, c.toFloatArray());
        } finally {
            Npy.pieceBytes = saved;
        }
    }

    /** What an {@link Npy.Arrival} was told: the array's shape when allocated, and each count of rows read. */
    private static final class Told implements Npy.Arrival {
        Shape shape;
        final java.util.List<Long> rows = new java.util.ArrayList<>();
        NDArray array;

        @Override
        public void allocated(NDArray a) {
            assertTrue(shape == null && rows.isEmpty(), "allocated once, before any row");
            shape = a.getShape();
            array = a;
        }

        @Override
        public void rowsRead(long count) {
            // the rows said to be there hold the file's values already
            if (count > 0) {
                float[] head = array.reshape(array.getShape().get(0), -1).get("0:" + count).toType(DataType.FLOAT32,
                        false).toFloatArray();
                for (int i = 0; i < head.length; i++) {
                    assertEquals(i / 7f - 1, head[i], 1e-6, "element " + i + " once " + count + " rows are in");
                }
            }
            rows.add(count);
        }
    }

    @Test
    void aReaderIsToldAsTheRowsArriveInEitherByteOrder() throws IOException {
        long savedPiece = Npy.pieceBytes;
        long savedStep = Npy.arrivalBytes;
        try {
            // 10 rows of 3 float32 in steps of 7 elements (28 bytes) within pieces of 25: steps end mid-row and at
            // the pieces' ends; the rows told are the whole ones read so far
            Npy.pieceBytes = 100;
            Npy.arrivalBytes = 28;
            for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
                ByteBuffer data = ByteBuffer.allocate(4 * 30).order(order);
                for (int i = 0; i < 30; i++) {
                    data.putFloat(i / 7f - 1);
                }
                String descr = order == ByteOrder.BIG_ENDIAN ? ">f4" : "<f4";
                Told told = new Told();
                NDArray c = Npy.read(file("rows.npy", npyFile(descr, "False", "(10, 3)", data.array())), manager,
                        told);
                assertEquals(new Shape(10, 3), told.shape);
                assertEquals(java.util.List.of(2L, 4L, 7L, 8L, 10L), told.rows, descr);
                float[] f = c.toFloatArray();
                for (int i = 0; i < 30; i++) {
                    assertEquals(i / 7f - 1, f[i], descr + " element " + i);
                }
            }
            // a reader that refuses the array stops the read before its data
            UserError e = assertThrows(UserError.class, () -> Npy.read(file("no.npy", npyFile("<f8", "False",
                    "(2, 2)", new byte[32])), manager, new Npy.Arrival() {
                        @Override
                        public void allocated(NDArray a) {
                            throw new UserError("refused " + a.getShape());
                        }

                        @Override
                        public void rowsRead(long rows) {
                            throw new AssertionError("no row arrives after a refusal");
                        }
                    }));
            assertEquals("refused (2, 2)", e.getMessage());
        } finally {
            Npy.pieceBytes = savedPiece;
            Npy.arrivalBytes = savedStep;
        }
    }

    @Test
    void aFileLargerThanTheAvailableMemoryIsRefusedBeforeAnythingIsRead() throws IOException {
        Path f = file("m.npy", npyFile("<f8", "False", "(4, 2)", new byte[64]));
        System.setProperty("nclab.memory.available", "63");
        try {
            UserError e = assertThrows(UserError.class, () -> Npy.read(f, manager));
            assertEquals(f + " holds 6.40e-08 GB of data, but this machine has 6.30e-08 GB of memory available",
                    e.getMessage());
            System.setProperty("nclab.memory.available", "64");
            assertEquals(new Shape(4, 2), Npy.read(f, manager).getShape());
        } finally {
            System.clearProperty("nclab.memory.available");
        }
    }

    @Test
    void archivesRoundTrip() {
        Npz z = new Npz().put("sums", new double[] {1, 2, 3, 4, 5, 6}, 2, 3).put("counts", new long[] {4, 9}, 2)
                .putText("nclab.json", "{\"kind\":\"test\"}");
        z.save(dir.resolve("a.npz"));
        Npz r = Npz.load(dir.resolve("a.npz"));
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, r.doubles("sums"));
        assertArrayEquals(new long[] {2, 3}, r.shape("sums"));
        assertArrayEquals(new long[] {4, 9}, r.longs("counts"));
        assertEquals("{\"kind\":\"test\"}", r.text("nclab.json"));
        assertThrows(UserError.class, () -> r.doubles("nope"));
    }
}
