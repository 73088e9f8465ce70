package falconh1r.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The parsed, validated JSON header of a safetensors file. Mirrors the Rust crate's
 * {@code SafeTensors::read_metadata} and {@code Metadata::validate} (safetensors 0.7.0): the same
 * files are accepted, with two deliberate differences: duplicate keys are rejected (serde keeps the
 * last tensor of a name) and integers above 2^63-1 are rejected (Rust takes up to 2^64-1, which
 * no real file can use).
 *
 * @param metadata    {@code __metadata__} in file order, or null when absent (or JSON null)
 * @param tensors     tensors by name, in code point order
 * @param dataLength  length of the data section, which the tensors cover exactly
 */
record SafetensorsHeader(Map<String, String> metadata, SortedMap<String, TensorInfo> tensors, long dataLength) {

    /** The Rust crate's {@code MAX_HEADER_SIZE}. */
    static final long MAX_HEADER_SIZE = 100_000_000;

    static final String METADATA_KEY = "__metadata__";

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength((int) MAX_HEADER_SIZE)
                    .maxNameLength((int) MAX_HEADER_SIZE)
                    .maxNestingDepth(128)                    // serde_json's recursion limit
                    .build())
            .build();

    /**
     * Parses header bytes (the {@code n} bytes after the length prefix) of a file whose data
     * section, after the header, is {@code dataLength} bytes long.
     */
    static SafetensorsHeader parse(Path file, byte[] header, long dataLength) {
        String text = decodeUtf8(file, header);
        Map<String, String> metadata = null;
        List<TensorInfo> unsorted = new ArrayList<>();
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new SafetensorsException(file, "header is not a JSON object, found " + describe(p));
            }
            Set<String> seen = new HashSet<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                checkText(file, key, "key");
                if (!seen.add(key)) throw new SafetensorsException(file, "duplicate key '" + key + "' in header");
                p.nextToken();
                if (key.equals(METADATA_KEY)) metadata = readMetadata(file, p);
                else unsorted.add(readTensor(file, p, key));
            }
            for (long i = p.currentLocation().getCharOffset(); i < text.length(); i++) {
                char c = text.charAt((int) i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    throw new SafetensorsException(file, "trailing characters after the header object, from char " + i);
                }
            }
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(file, "invalid JSON in header: " + e.getOriginalMessage()
                    + " at " + (e.getLocation() == null ? "?" : e.getLocation().offsetDescription()), e);
        } catch (IOException e) {
            throw new SafetensorsException(file, "cannot parse header: " + e.getMessage(), e);
        }
        return new SafetensorsHeader(metadata, validate(file, unsorted, dataLength), dataLength);
    }

    private static String decodeUtf8(Path file, byte[] header) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file, "header is not valid UTF-8 (" + e.getMessage() + ")", e);
        }
    }

    /** serde_json rejects escapes that leave unpaired surrogates: such text has no UTF-8 form. */
    private static void checkText(Path file, String s, String what) {
        int at = JsonText.unpairedSurrogate(s);
        if (at >= 0) {
            throw new SafetensorsException(file, what + " '" + s.substring(0, at)
                    + "...' holds an unpaired surrogate \\u" + Integer.toHexString(s.charAt(at)));
        }
    }

    private static Map<String, String> readMetadata(Path file, JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) return null;
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new SafetensorsException(file, METADATA_KEY + " must be an object of strings, found "
                    + describe(p));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            checkText(file, key, METADATA_KEY + " key");
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new SafetensorsException(file, METADATA_KEY + " value of '" + key
                        + "' must be a string, found " + describe(p));
            }
            String value = p.getText();
            checkText(file, value, METADATA_KEY + " value");
            if (metadata.put(key, value) != null) {
                throw new SafetensorsException(file, "duplicate " + METADATA_KEY + " key '" + key + "'");
            }
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static TensorInfo readTensor(Path file, JsonParser p, String name) throws IOException {
        String where = "tensor '" + name + "'";
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new SafetensorsException(file, where + " must be an object, found " + describe(p));
        }
        DType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            boolean duplicate = switch (field) {
                case "dtype" -> {
                    boolean dup = dtype != null;
                    dtype = readDtype(file, p, where);
                    yield dup;
                }
                case "shape" -> {
                    boolean dup = shape != null;
                    shape = readUnsignedArray(file, p, where + " shape", -1);
                    yield dup;
                }
                case "data_offsets" -> {
                    boolean dup = offsets != null;
                    offsets = readUnsignedArray(file, p, where + " data_offsets", 2);
                    yield dup;
                }
                default -> {
                    p.skipChildren();                     // serde ignores unknown fields
                    yield false;
                }
            };
            if (duplicate) throw new SafetensorsException(file, where + ": duplicate field '" + field + "'");
        }
        if (dtype == null) throw new SafetensorsException(file, where + ": missing field 'dtype'");
        if (shape == null) throw new SafetensorsException(file, where + ": missing field 'shape'");
        if (offsets == null) throw new SafetensorsException(file, where + ": missing field 'data_offsets'");
        long numel;
        try {
            numel = DType.numel(shape);
        } catch (ArithmeticException e) {
            throw new SafetensorsException(file, where + ": shape " + Arrays.toString(shape)
                    + " has more than 2^63-1 elements");
        }
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1], numel);
    }

    private static DType readDtype(Path file, JsonParser p, String where) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new SafetensorsException(file, where + ": dtype must be a string, found " + describe(p));
        }
        DType dtype = DType.byName(p.getText());
        if (dtype == null) {
            throw new SafetensorsException(file, where + ": unknown dtype '" + p.getText() + "' (known: "
                    + Arrays.toString(DType.values()) + ")");
        }
        return dtype;
    }

    /** An array of integers in [0, 2^63-1], of exactly {@code length} elements unless it is -1. */
    private static long[] readUnsignedArray(Path file, JsonParser p, String what, int length) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new SafetensorsException(file, what + " must be an array, found " + describe(p));
        }
        long[] values = new long[length >= 0 ? length : 4];
        int count = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw new SafetensorsException(file, what + " must hold integers, found " + describe(p));
            }
            if (p.getText().startsWith("-")) {
                throw new SafetensorsException(file, what + " holds a negative number " + p.getText());
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw new SafetensorsException(file, what + " holds " + p.getText() + ", above 2^63-1");
            }
            if (count == values.length) {
                if (length >= 0) {
                    throw new SafetensorsException(file, what + " must be [begin, end], found more than "
                            + length + " numbers");
                }
                values = Arrays.copyOf(values, 2 * count);
            }
            values[count++] = p.getLongValue();
        }
        if (length >= 0 && count != length) {
            throw new SafetensorsException(file, what + " must be [begin, end], found " + count + " numbers");
        }
        return Arrays.copyOf(values, count);
    }

    private static String describe(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "string \"" + p.getText() + "\"";
            case null -> "the end of the header";
            default -> p.getText();
        };
    }

    /**
     * {@code Metadata::validate}: sorted by (begin, end), the tensors must tile the data section
     * from 0 without gaps or overlaps, and each must hold exactly its shape times its dtype.
     */
    private static SortedMap<String, TensorInfo> validate(Path file, List<TensorInfo> unsorted, long dataLength) {
        List<TensorInfo> byOffset = new ArrayList<>(unsorted);
        byOffset.sort(Comparator.comparingLong(TensorInfo::dataStart).thenComparingLong(TensorInfo::dataEnd));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            String where = "tensor '" + t.name() + "': data_offsets [" + t.dataStart() + ", " + t.dataEnd() + "]";
            if (t.dataEnd() < t.dataStart()) throw new SafetensorsException(file, where + " end before begin");
            if (t.dataStart() < covered) {
                throw new SafetensorsException(file, where + " overlap tensor '" + previous.name()
                        + "', which ends at " + covered);
            }
            if (t.dataStart() > covered) {
                throw new SafetensorsException(file, where + " leave a hole: data bytes [" + covered + ", "
                        + t.dataStart() + ") belong to no tensor");
            }
            long needed;
            try {
                needed = t.dtype().byteCount(t.numel());
            } catch (ArithmeticException e) {
                throw new SafetensorsException(file, where + ": " + t.dtype() + " " + Arrays.toString(t.shape())
                        + " needs more than 2^63-1 bits");
            } catch (IllegalArgumentException e) {
                throw new SafetensorsException(file, where + ": " + t.dtype() + " " + Arrays.toString(t.shape())
                        + " does not end on a byte boundary");
            }
            if (t.byteSize() != needed) {
                throw new SafetensorsException(file, where + " hold " + t.byteSize() + " bytes but " + t.dtype()
                        + " " + Arrays.toString(t.shape()) + " needs " + needed);
            }
            covered = t.dataEnd();
            previous = t;
        }
        if (covered != dataLength) {
            throw new SafetensorsException(file, covered < dataLength
                    ? "tensors cover " + covered + " of the " + dataLength + " data bytes; the rest belongs to no tensor"
                    : "tensors need " + covered + " data bytes but the file holds " + dataLength);
        }
        SortedMap<String, TensorInfo> byName = new TreeMap<>(JsonText.CODE_POINT_ORDER);
        for (TensorInfo t : unsorted) byName.put(t.name(), t);
        return Collections.unmodifiableSortedMap(byName);
    }
}
