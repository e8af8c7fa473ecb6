// The enrolment screen's state: the form as typed (kept across rotation and process death),
// the beat's villages to pick by name, the consent notice that must be shown before the
// consent box can be ticked, the refused fields shown inline, and the outcome with its
// warnings (the same mobile, the same household). Validation is the core's: this only keeps
// what it answered next to each field.
package org.mitan.shared

import java.util.Calendar
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import org.mitan.ffi.ApiException
import org.mitan.ffi.ConsentNotice
import org.mitan.ffi.DistrictProgramme
import org.mitan.ffi.EnrolmentForm
import org.mitan.ffi.EnrolmentReceipt
import org.mitan.ffi.InvalidCode
import org.mitan.ffi.Village
import org.mitan.ffi.VolunteerSummary

/** Where the enrolment screen stands. */
sealed interface EnrolmentStatus {
    /** The constable is filling in the form. */
    data object Editing : EnrolmentStatus

    /** The form went to the core; waiting for the durable write. */
    data object Saving : EnrolmentStatus

    /**
     * Stored on the phone: safe even if the phone dies now. The receipt's problems are
     * warnings for the constable, not refusals: `SamePhoneAs` (the mobile is already on the
     * phone) and `SameHouseholdAs` (another active volunteer of the beat lives in the same
     * household, and the district asks for one per household).
     */
    data class Saved(val receipt: EnrolmentReceipt) : EnrolmentStatus

    /** Not stored, for a reason other than the form (the store failed). */
    data class Failed(val error: ApiException) : EnrolmentStatus
}

/** The languages the app speaks, and the notices it shows. */
enum class Language(val code: String) { HINDI("hi"), ENGLISH("en") }

class EnrolmentViewModel(
    private val repository: MitanRepository,
    private val scope: CoroutineScope,
    private val saved: SavedValues = MapSavedValues(),
    private val currentYear: Int = Calendar.getInstance().get(Calendar.YEAR),
) {
    /** The form as typed. */
    val form = State(FormDraft.restore(saved) ?: blankForm(repository.beats.firstOrNull() ?: ""))

    /** Refused fields and their codes, shown under each field until it is edited. */
    val errors = State<Map<String, InvalidCode>>(emptyMap())

    /** Where the screen stands. */
    val status = State<EnrolmentStatus>(EnrolmentStatus.Editing)

    /** The villages of the form's beat, to pick by name. */
    val villages = State<List<Village>>(emptyList())

    /** The district's programmes the form offers. */
    val programmes = State<List<DistrictProgramme>>(emptyList())

    /**
     * Volunteers of the phone's beats who can be named as the trainer (the training cascade),
     * by name; a police trainer is typed as a badge instead.
     */
    val trainers = State<List<VolunteerSummary>>(emptyList())

    /** The notice on screen (full-screen) while it is being read out; `null` otherwise. */
    val notice = State<ConsentNotice?>(null)

    /** Whether the notice was shown to this person: the consent boxes are enabled only then. */
    val noticeShown = State(saved[NOTICE_SHOWN] == "1")

    /** The latest read of the beat's villages (and the programmes); [villages] holds them once it is done. */
    var loading: Job = loadVillages(form.value.beat)
        private set

    /** The beats the form offers. */
    val beats: List<String> get() = repository.beats

    /** Whether the person is under 18 by the age or birth year typed: the guardian's fields. */
    fun needsGuardian(): Boolean {
        val typed = form.value
        val age = typed.ageYears?.toInt() ?: typed.birthYear?.let { currentYear - it.toInt() } ?: return false
        return age < 18
    }

    /**
     * Changes [field] of the form; its inline error goes away until the next submit, and so
     * does the household's (neither part given) when [field] is one of its two parts.
     */
    fun edit(field: String, change: (EnrolmentForm) -> EnrolmentForm) {
        var next = change(form.value)
        // Consent is given after the notice, never before: a change cannot tick the boxes.
        if (!noticeShown.value) next = next.copy(consentGiven = false, guardianConsentGiven = false)
        put(next)
        val answered = answeredBy(field)
        if (errors.value.keys.any { it in answered }) errors.set(errors.value - answered)
        if (status.value !is EnrolmentStatus.Saving) status.set(EnrolmentStatus.Editing)
    }

    /** The refusals an edit of [field] answers. */
    private fun answeredBy(field: String): Set<String> = when (field) {
        // The core refuses `household` as Required when neither part is given: typing either answers it.
        "house_number", "family_name" -> setOf(field, "household")
        else -> setOf(field)
    }

    /** Enrols into [beat]: its villages replace the choices, and the village is cleared. */
    fun chooseBeat(beat: String) {
        if (beat == form.value.beat) return
        edit("beat") { it.copy(beat = beat, villageLgd = "") }
        loading = loadVillages(beat)
    }

    /** The village picked from the beat's list. */
    fun chooseVillage(village: Village) = edit("village") { it.copy(villageLgd = village.lgdCode) }

    /** The village the form holds, if it is one of the beat's. */
    fun chosenVillage(): Village? = villages.value.firstOrNull { it.lgdCode == form.value.villageLgd }

    /** Joins or leaves [programme]. */
    fun toggleProgramme(programme: String) = edit("programmes") {
        it.copy(programmes = if (programme in it.programmes) it.programmes - programme else it.programmes + programme)
    }

    /** Puts the notice in [language] on screen, full-screen, to read out. */
    fun showNotice(language: Language): Job = scope.launch {
        val held = repository.notice(language.code)
        if (held == null) {
            errors.set(errors.value + ("consent_notice" to InvalidCode.REQUIRED))
        } else {
            notice.set(held)
        }
    }

    /**
     * The notice was read out and closed: the form records which one, and the consent boxes
     * become available.
     */
    fun noticeRead() {
        val shown = notice.value ?: return
        notice.set(null)
        noticeShown.set(true)
        saved[NOTICE_SHOWN] = "1"
        edit("consent_notice") { it.copy(consentLanguage = shown.language, consentNoticeVersion = shown.version) }
        errors.set(errors.value - "consent_language")
    }

    /** Ticks or clears the person's consent; only after the notice was shown. */
    fun consent(given: Boolean) {
        if (!noticeShown.value) return
        edit("consent") { it.copy(consentGiven = given) }
    }

    /** Ticks or clears the guardian's consent; only after the notice was shown. */
    fun guardianConsent(given: Boolean) {
        if (!noticeShown.value) return
        edit("guardian_consent") { it.copy(guardianConsentGiven = given) }
    }

    /** Sends the form to the core; on success the form is cleared for the next person. */
    fun submit(): Job {
        val typed = form.value
        status.set(EnrolmentStatus.Saving)
        return scope.launch {
            try {
                val receipt = repository.enrol(typed)
                errors.set(emptyMap())
                // The next person hears the notice again, so the boxes start disabled.
                noticeShown.set(false)
                saved[NOTICE_SHOWN] = null
                put(blankForm(typed.beat).copy(trainedBy = typed.trainedBy))
                status.set(EnrolmentStatus.Saved(receipt))
                // The person just enrolled may train the next.
                loading = loadVillages(typed.beat)
            } catch (invalid: ApiException.Invalid) {
                errors.set(invalid.problems.associate { it.field to it.code })
                status.set(EnrolmentStatus.Editing)
            } catch (error: ApiException) {
                status.set(EnrolmentStatus.Failed(error))
            }
        }
    }

    private fun put(next: EnrolmentForm) {
        form.set(next)
        FormDraft.save(next, saved)
    }

    private fun loadVillages(beat: String): Job = scope.launch {
        if (programmes.value.isEmpty()) programmes.set(repository.programmes())
        villages.set(if (beat.isEmpty()) emptyList() else repository.villages(beat))
        trainers.set(repository.roster("", 500).filter { it.status == "verified" || it.status == "pending" })
    }

    /** Names [trainer], a volunteer of the beat, as the person's trainer. */
    fun chooseTrainer(trainer: VolunteerSummary) = edit("trained_by") { it.copy(trainedBy = trainer.volunteerId) }

    private fun blankForm(beat: String) = EnrolmentForm(
        nameDevanagari = "", nameLatin = "", phone = "", gender = "",
        ageYears = null, birthYear = null, villageLgd = "",
        // The household in its two parts; the one-text `household` is for builds before them.
        household = "", houseNumber = "", familyName = "",
        beat = beat, station = repository.station,
        programmes = listOf("cyber_mitan"), trainedBy = "",
        consentGiven = false, consentLanguage = "", consentNoticeVersion = 0u,
        guardianName = "", guardianRelation = "", guardianPhone = "", guardianConsentGiven = false,
    )

    private companion object {
        const val NOTICE_SHOWN = "enrolment.notice_shown"
    }
}

/** The half-typed form as [SavedValues], so rotating the phone or a killed process loses nothing. */
internal object FormDraft {
    private const val PREFIX = "enrolment.form."

    fun save(form: EnrolmentForm, saved: SavedValues) {
        for ((key, value) in fields(form)) saved[PREFIX + key] = value
    }

    fun restore(saved: SavedValues): EnrolmentForm? {
        fun get(key: String) = saved[PREFIX + key]
        val beat = get("beat") ?: return null
        return EnrolmentForm(
            nameDevanagari = get("name_devanagari") ?: "",
            nameLatin = get("name_latin") ?: "",
            phone = get("phone") ?: "",
            gender = get("gender") ?: "",
            ageYears = get("age_years")?.toUIntOrNull(),
            birthYear = get("birth_year")?.toUIntOrNull(),
            villageLgd = get("village_lgd") ?: "",
            household = get("household") ?: "",
            houseNumber = get("house_number") ?: "",
            familyName = get("family_name") ?: "",
            beat = beat,
            station = get("station") ?: "",
            programmes = get("programmes")?.split(',')?.filter { it.isNotEmpty() } ?: emptyList(),
            trainedBy = get("trained_by") ?: "",
            consentGiven = get("consent_given") == "1",
            consentLanguage = get("consent_language") ?: "",
            consentNoticeVersion = get("consent_notice_version")?.toUIntOrNull() ?: 0u,
            guardianName = get("guardian_name") ?: "",
            guardianRelation = get("guardian_relation") ?: "",
            guardianPhone = get("guardian_phone") ?: "",
            guardianConsentGiven = get("guardian_consent_given") == "1",
        )
    }

    private fun fields(form: EnrolmentForm): List<Pair<String, String?>> = listOf(
        "name_devanagari" to form.nameDevanagari,
        "name_latin" to form.nameLatin,
        "phone" to form.phone,
        "gender" to form.gender,
        "age_years" to form.ageYears?.toString(),
        "birth_year" to form.birthYear?.toString(),
        "village_lgd" to form.villageLgd,
        "household" to form.household,
        "house_number" to form.houseNumber,
        "family_name" to form.familyName,
        "beat" to form.beat,
        "station" to form.station,
        "programmes" to form.programmes.joinToString(","),
        "trained_by" to form.trainedBy,
        "consent_given" to if (form.consentGiven) "1" else "0",
        "consent_language" to form.consentLanguage,
        "consent_notice_version" to form.consentNoticeVersion.toString(),
        "guardian_name" to form.guardianName,
        "guardian_relation" to form.guardianRelation,
        "guardian_phone" to form.guardianPhone,
        "guardian_consent_given" to if (form.guardianConsentGiven) "1" else "0",
    )
}
