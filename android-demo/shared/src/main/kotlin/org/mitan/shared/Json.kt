// A small JSON reader and string quoting for the server's registration and notices answers.
// The JVM check cannot fetch kotlinx.serialization (no Maven here) and the JVM has no
// org.json, so the shared module carries its own: objects, arrays, strings, numbers, booleans
// and null, which is all the Mitan HTTP API answers with.
package org.mitan.shared

/** A JSON value as read: `Map<String, Any?>`, `List<Any?>`, `String`, `Double`, `Boolean` or null. */
object Json {
    /** Reads one JSON document; throws [IllegalArgumentException] naming the offset of bad input. */
    fun parse(text: String): Any? {
        val reader = Reader(text)
        val value = reader.value()
        reader.skipSpace()
        require(reader.at == text.length) { "json: unexpected text at offset ${reader.at}" }
        return value
    }

    /** [value] as a JSON string literal, quotes included. */
    fun quote(value: String): String {
        val out = StringBuilder(value.length + 2).append('"')
        for (c in value) {
            when {
                c == '"' -> out.append("\\\"")
                c == '\\' -> out.append("\\\\")
                c == '\n' -> out.append("\\n")
                c == '\r' -> out.append("\\r")
                c == '\t' -> out.append("\\t")
                c < ' ' -> out.append("\\u").append(c.code.toString(16).padStart(4, '0'))
                else -> out.append(c)
            }
        }
        return out.append('"').toString()
    }

    private class Reader(val text: String) {
        var at = 0

        fun skipSpace() {
            while (at < text.length && text[at] in " \t\r\n") at++
        }

        fun fail(what: String): Nothing = throw IllegalArgumentException("json: $what at offset $at")

        fun value(): Any? {
            skipSpace()
            if (at >= text.length) fail("unexpected end")
            return when (text[at]) {
                '{' -> obj()
                '[' -> array()
                '"' -> string()
                't' -> literal("true", true)
                'f' -> literal("false", false)
                'n' -> literal("null", null)
                else -> number()
            }
        }

        fun literal(word: String, value: Any?): Any? {
            if (!text.startsWith(word, at)) fail("expected $word")
            at += word.length
            return value
        }

        fun number(): Double {
            val start = at
            while (at < text.length && text[at] in "+-0123456789.eE") at++
            return text.substring(start, at).toDoubleOrNull() ?: run { at = start; fail("expected a value") }
        }

        fun string(): String {
            at++ // the opening quote
            val out = StringBuilder()
            while (true) {
                if (at >= text.length) fail("unterminated string")
                val c = text[at++]
                when (c) {
                    '"' -> return out.toString()
                    '\\' -> {
                        if (at >= text.length) fail("unterminated escape")
                        when (val escaped = text[at++]) {
                            '"', '\\', '/' -> out.append(escaped)
                            'b' -> out.append('\b')
                            'f' -> out.append('\u000C')
                            'n' -> out.append('\n')
                            'r' -> out.append('\r')
                            't' -> out.append('\t')
                            'u' -> {
                                if (at + 4 > text.length) fail("short \\u escape")
                                val code = text.substring(at, at + 4).toIntOrNull(16) ?: fail("bad \\u escape")
                                out.append(code.toChar())
                                at += 4
                            }
                            else -> fail("bad escape")
                        }
                    }
                    else -> out.append(c)
                }
            }
        }

        fun array(): List<Any?> {
            at++
            val items = mutableListOf<Any?>()
            skipSpace()
            if (at < text.length && text[at] == ']') { at++; return items }
            while (true) {
                items.add(value())
                skipSpace()
                if (at >= text.length) fail("unterminated array")
                when (text[at++]) {
                    ',' -> continue
                    ']' -> return items
                    else -> { at--; fail("expected , or ]") }
                }
            }
        }

        fun obj(): Map<String, Any?> {
            at++
            val fields = LinkedHashMap<String, Any?>()
            skipSpace()
            if (at < text.length && text[at] == '}') { at++; return fields }
            while (true) {
                skipSpace()
                if (at >= text.length || text[at] != '"') fail("expected a field name")
                val name = string()
                skipSpace()
                if (at >= text.length || text[at] != ':') fail("expected :")
                at++
                fields[name] = value()
                skipSpace()
                if (at >= text.length) fail("unterminated object")
                when (text[at++]) {
                    ',' -> continue
                    '}' -> return fields
                    else -> { at--; fail("expected , or }") }
                }
            }
        }
    }
}

/** Field [name] of a JSON object, checked to be of type [T]; the error names the field. */
internal inline fun <reified T> Map<String, Any?>.field(name: String): T =
    this[name] as? T ?: throw IllegalArgumentException("json: field $name: expected ${T::class.simpleName}, got ${this[name]}")
