// The enrolment screen's state: the form as typed, the refused fields shown inline, and the
// outcome. Validation is the core's: this only keeps what it answered next to each field.
package org.mitan.shared

import org.mitan.ffi.ApiException
import org.mitan.ffi.InvalidCode
import org.mitan.ffi.EnrolmentForm
import org.mitan.ffi.EnrolmentReceipt

/** Where the enrolment screen stands. */
sealed interface EnrolmentStatus {
    /** The constable is filling in the form. */
    data object Editing : EnrolmentStatus

    /** The form went to the core; waiting for the durable write. */
    data object Saving : EnrolmentStatus

    /** Stored on the phone: safe even if the phone dies now. */
    data class Saved(val receipt: EnrolmentReceipt) : EnrolmentStatus

    /** Not stored, for a reason other than the form (the store failed). */
    data class Failed(val message: String) : EnrolmentStatus
}

class EnrolmentViewModel(private val repository: MitanRepository, private val work: Work) {
    /** The form as typed. */
    val form = State(blankForm())

    /** Refused fields and their codes, shown under each field until it is edited. */
    val errors = State<Map<String, InvalidCode>>(emptyMap())

    /** Where the screen stands. */
    val status = State<EnrolmentStatus>(EnrolmentStatus.Editing)

    /** A fresh form for this phone's first beat, under the newest Hindi notice it holds. */
    fun blankForm(): EnrolmentForm {
        val notice = repository.notice(Language.HINDI.code)
        return EnrolmentForm(
            nameDevanagari = "", nameLatin = "", phone = "", gender = "",
            ageYears = null, birthYear = null, villageLgd = "", household = "",
            beat = repository.beats.firstOrNull() ?: "", station = repository.station,
            programmes = listOf("cyber_mitan"), trainedBy = "",
            consentGiven = false,
            consentLanguage = notice?.language ?: Language.HINDI.code,
            consentNoticeVersion = notice?.version ?: 0u,
            guardianName = "", guardianRelation = "", guardianPhone = "", guardianConsentGiven = false,
        )
    }

    /** Changes [field] of the form; its inline error goes away until the next submit. */
    fun edit(field: String, change: (EnrolmentForm) -> EnrolmentForm) {
        form.set(change(form.value))
        if (field in errors.value) errors.set(errors.value - field)
        if (status.value !is EnrolmentStatus.Saving) status.set(EnrolmentStatus.Editing)
    }

    /** Shows the notice in [language] (and records that one as the notice shown). */
    fun showNotice(language: Language): String? {
        val notice = repository.notice(language.code) ?: return null
        edit("consent_language") { it.copy(consentLanguage = notice.language, consentNoticeVersion = notice.version) }
        return notice.text
    }

    /** Sends the form to the core; on success the form is cleared for the next person. */
    fun submit() {
        val typed = form.value
        status.set(EnrolmentStatus.Saving)
        work.background {
            val outcome = runCatching { repository.enrol(typed) }
            work.ui {
                outcome.fold(
                    onSuccess = { receipt ->
                        errors.set(emptyMap())
                        form.set(blankForm().copy(beat = typed.beat, consentLanguage = typed.consentLanguage,
                            consentNoticeVersion = typed.consentNoticeVersion))
                        status.set(EnrolmentStatus.Saved(receipt))
                    },
                    onFailure = { error ->
                        when (error) {
                            is ApiException.Invalid -> {
                                errors.set(error.problems.associate { it.field to it.code })
                                status.set(EnrolmentStatus.Editing)
                            }
                            is ApiException -> status.set(EnrolmentStatus.Failed(error.message ?: error.toString()))
                            else -> throw error
                        }
                    },
                )
            }
        }
    }
}
