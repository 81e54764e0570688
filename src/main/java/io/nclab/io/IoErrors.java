package io.nclab.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The reason an I/O operation failed, in words, for a one-line error that already names the file. Java's
 * file-system exceptions carry only the path in their message ("cannot read x.npy: x.npy"), or the path
 * of a temporary file an atomic write used; this gives the cause instead ("permission denied").
 */
public final class IoErrors {
    private IoErrors() {}

    public static String reason(IOException e) {
        if (e instanceof javax.imageio.IIOException && e.getCause() instanceof IOException cause) {
            return reason(cause); // ImageIO's own words ("I/O error writing PNG file!") hide the system's
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "a directory that is not empty is in the way";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "it already exists";
        }
        if (e instanceof FileSystemException f) {
            String r = f.getReason();
            if (r != null && !r.isBlank()) {
                return r.substring(0, 1).toLowerCase(java.util.Locale.ROOT) + r.substring(1);
            }
        }
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException j) {
            String m = j.getOriginalMessage() == null ? e.getClass().getSimpleName() : j.getOriginalMessage();
            if (m.startsWith("Unexpected end-of-input")) { // what a typed read says of a cut-off file
                return "not valid JSON: it ends too soon (truncated)";
            }
            if (m.startsWith("Trailing token")) { // a strict read's words for a second value after the first
                com.fasterxml.jackson.core.JsonLocation at = j.getLocation();
                return "not valid JSON: more after the end of its value" + (at == null || at.getLineNr() < 1 ? ""
                        : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
            }
            // well-formed JSON of another shape than expected
            return "unexpected content: " + firstLine(m);
        }
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
            // Jackson's own message runs on with a second line of source location; the line and column suffice
            String m = j.getOriginalMessage();
            com.fasterxml.jackson.core.JsonLocation at = j.getLocation();
            String where = at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")";
            return "not valid JSON: " + firstLine(m == null ? e.getClass().getSimpleName() : m) + where;
        }
        if (e instanceof java.nio.charset.CharacterCodingException) { // "Input length = 1" of a text read
            return "not UTF-8 text (a binary file, or a damaged one)";
        }
        if (e instanceof java.io.EOFException) {
            return "the file ends too soon (truncated)";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : firstLine(m);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
