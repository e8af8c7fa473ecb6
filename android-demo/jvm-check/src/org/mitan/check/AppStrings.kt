// The app's strings.xml in English and Hindi, read as Android would resolve them, so the JVM
// run can check that both languages say everything and show what a constable would read.
package org.mitan.check

import java.io.File
import javax.xml.parsers.DocumentBuilderFactory
import org.w3c.dom.Element

class AppStrings(val english: Map<String, String>, val hindi: Map<String, String>) {
    fun english(key: String): String = english[key] ?: throw Mismatch("values/strings.xml has no $key")

    fun hindi(key: String): String = hindi[key] ?: throw Mismatch("values-hi/strings.xml has no $key")

    /**
     * Both files name the same strings, none blank, and for each (prefix, codes) pair every
     * `prefix_code` exists: what the core or the server can hand the app has words.
     */
    fun checkComplete(vararg families: Pair<String, List<String>>) {
        val onlyEnglish = english.keys - hindi.keys
        val onlyHindi = hindi.keys - english.keys
        check(onlyEnglish.isEmpty() && onlyHindi.isEmpty()) { "untranslated: $onlyEnglish; Hindi only: $onlyHindi" }
        val blank = (english + hindi.mapKeys { "hi:${it.key}" }).filterValues { it.isBlank() }.keys
        check(blank.isEmpty()) { "blank strings: $blank" }
        for ((prefix, codes) in families) {
            val missing = codes.map { "${prefix}_$it" }.filter { it !in english }
            check(missing.isEmpty()) { "no words for $missing" }
        }
    }

    companion object {
        /** Reads `values/strings.xml` and `values-hi/strings.xml` under the app's `res/`. */
        fun load(res: File) = AppStrings(read(File(res, "values/strings.xml")), read(File(res, "values-hi/strings.xml")))

        private fun read(file: File): Map<String, String> {
            val document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file)
            val nodes = document.getElementsByTagName("string")
            return (0 until nodes.length).associate { index ->
                val element = nodes.item(index) as Element
                element.getAttribute("name") to unescape(element.textContent)
            }
        }

        /** Android's escapes in string resources: `\'`, `\"`, `\n`, `\@`, `\?`. */
        private fun unescape(text: String): String =
            text.replace("\\'", "'").replace("\\\"", "\"").replace("\\n", "\n").replace("\\@", "@").replace("\\?", "?")
    }
}
