// Hindi and English text for the stable (field, code) pairs the core refuses a form with.
// The core never writes sentences for people; choosing the words is the app's job.
package org.mitan.shared

import org.mitan.ffi.InvalidCode

/** The languages the app speaks. */
enum class Language(val code: String) { HINDI("hi"), ENGLISH("en") }

object Messages {
    private val fieldNames = mapOf(
        "name_devanagari" to ("नाम (देवनागरी)" to "Name (Devanagari)"),
        "name_latin" to ("नाम (अंग्रेज़ी अक्षर)" to "Name (Latin letters)"),
        "phone" to ("मोबाइल नंबर" to "Mobile number"),
        "household" to ("परिवार / मकान" to "Household"),
        "gender" to ("लिंग" to "Gender"),
        "age" to ("आयु" to "Age"),
        "village" to ("गाँव (LGD कोड)" to "Village (LGD code)"),
        "beat" to ("बीट" to "Beat"),
        "station" to ("थाना" to "Police station"),
        "programmes" to ("कार्यक्रम" to "Programmes"),
        "trained_by" to ("प्रशिक्षक" to "Trained by"),
        "consent" to ("सहमति" to "Consent"),
        "consent_language" to ("सूचना की भाषा" to "Notice language"),
        "consent_notice" to ("सहमति सूचना" to "Consent notice"),
        "guardian_consent" to ("अभिभावक की सहमति" to "Guardian's consent"),
        "guardian_name" to ("अभिभावक का नाम" to "Guardian's name"),
        "guardian_relation" to ("अभिभावक से संबंध" to "Relation to guardian"),
        "guardian_phone" to ("अभिभावक का मोबाइल" to "Guardian's mobile"),
    )

    /**
     * Words for every code the core refuses a field with. A `when` over the generated enum:
     * a code added in Rust and not here fails the Kotlin build, so no refusal reaches a
     * constable as an identifier.
     */
    private fun words(code: InvalidCode): Pair<String, String> = when (code) {
        InvalidCode.REQUIRED -> "यह भरना ज़रूरी है" to "Required"
        InvalidCode.TOO_LONG -> "बहुत लंबा है" to "Too long"
        InvalidCode.TOO_SHORT -> "बहुत छोटा है" to "Too short"
        InvalidCode.CONTROL_CHARACTER -> "इसमें अमान्य अक्षर है" to "Contains a control character"
        InvalidCode.INVISIBLE_CHARACTER -> "इसमें अदृश्य अक्षर है" to "Contains an invisible character"
        InvalidCode.WRONG_SCRIPT -> "गलत लिपि" to "Wrong script"
        InvalidCode.BAD_FORMAT -> "सही रूप में नहीं है" to "Not in the expected form"
        InvalidCode.NOT_INDIAN -> "भारतीय नंबर नहीं है" to "Not an Indian number"
        InvalidCode.NOT_MOBILE -> "मोबाइल नंबर +91 और 6–9 से शुरू 10 अंक होना चाहिए" to "A mobile number is +91 and 10 digits starting with 6–9"
        InvalidCode.OUT_OF_RANGE -> "मान्य सीमा से बाहर" to "Out of range"
        InvalidCode.UNKNOWN -> "पहचाना नहीं गया" to "Not recognised"
        InvalidCode.GUARDIAN_CONSENT_REQUIRED -> "18 से कम आयु: अभिभावक की सहमति ज़रूरी" to "Under 18: a guardian must consent"
        InvalidCode.ADULTS_ONLY -> "ज़िले में केवल 18+ का नामांकन होता है" to "This district enrols adults only"
        InvalidCode.DUPLICATE -> "दोहराया गया है" to "Given twice"
        InvalidCode.SEALED -> "इस फ़ोन पर यह जानकारी बंद है" to "Sealed on this phone"
        InvalidCode.BAD_CHARACTER -> "इसमें ऐसा चिह्न या अंक है जो नाम में नहीं होता" to "Contains a character a name does not have"
        InvalidCode.TOO_MANY_MARKS -> "एक अक्षर पर बहुत सी मात्राएँ हैं" to "Too many marks on one letter"
    }

    private fun pick(pair: Pair<String, String>, language: Language) =
        if (language == Language.HINDI) pair.first else pair.second

    /** The label of form field [field]; the identifier itself if the app has no words for it. */
    fun fieldName(field: String, language: Language): String =
        fieldNames[field]?.let { pick(it, language) } ?: field

    /** The text shown under a field refused with [code]. */
    fun problem(code: InvalidCode, language: Language): String = pick(words(code), language)

    /** Shown when the server refused this phone's credential ([SyncState.NeedsCode]). */
    fun needsCode(language: Language): String = pick(
        "इस फ़ोन को फिर से पंजीकृत करना है: थाना प्रभारी से कोड लें। फ़ोन पर कुछ भी नहीं खोया है।" to
            "This phone must be registered again: ask the station in-charge for a code. Nothing on the phone is lost.",
        language,
    )
}
