// Times as people read them: IST dates and clock times, never epoch milliseconds. A phone's
// clock is a claim (the core says so), but it is still shown the way the constable reads it.
package org.mitan.shared

import java.text.SimpleDateFormat
import java.util.Date
import java.util.Locale
import java.util.TimeZone

object IstTime {
    private val zone: TimeZone = TimeZone.getTimeZone("Asia/Kolkata")

    /** `07-12-2026 16:20 IST`: the day first, as Indian forms write it. */
    fun dateTime(epochMs: Long): String = format("dd-MM-yyyy HH:mm", epochMs) + " IST"

    /** `07-12-2026`. */
    fun date(epochMs: Long): String = format("dd-MM-yyyy", epochMs)

    private fun format(pattern: String, epochMs: Long): String =
        SimpleDateFormat(pattern, Locale.ROOT).apply { timeZone = zone }.format(Date(epochMs))
}
