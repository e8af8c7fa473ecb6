// A volunteer's page: the entry as the roster holds it, its history, the in-charge's reason
// when it was rejected, a correction to resubmit, and a withdrawal that asks to be confirmed.
package org.mitan.shared

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import org.mitan.ffi.ApiException
import org.mitan.ffi.InvalidCode
import org.mitan.ffi.Village
import org.mitan.ffi.VolunteerChange
import org.mitan.ffi.VolunteerDetail
import org.mitan.ffi.VolunteerEdit
import org.mitan.ffi.VolunteerStatus

/** Where the volunteer's page stands. */
sealed interface VolunteerPage {
    /** Reading the entry from the store. */
    data object Loading : VolunteerPage

    /** Showing the entry; [correction] is the edit being typed, if one was started. */
    data class Showing(val detail: VolunteerDetail, val history: List<VolunteerChange>, val correction: VolunteerEdit?) :
        VolunteerPage

    /** The person withdrew: their details have left the phone; the page only says so. */
    data object Withdrawn : VolunteerPage

    /** The entry could not be read or written. */
    data class Failed(val error: ApiException) : VolunteerPage
}

class VolunteerViewModel(
    private val repository: MitanRepository,
    private val scope: CoroutineScope,
    val volunteerId: String,
    private val saved: SavedValues = MapSavedValues(),
) {
    /** The page. */
    val page = State<VolunteerPage>(VolunteerPage.Loading)

    /** Refused fields of the correction, shown inline until edited. */
    val errors = State<Map<String, InvalidCode>>(emptyMap())

    /** Whether the "record the withdrawal?" confirmation is on screen. */
    val confirmingWithdrawal = State(saved[CONFIRMING] == "1")

    /** Set once a correction is stored: it goes to the in-charge at the next sync. */
    val resubmitted = State(false)

    /** The villages of the volunteer's beat, to correct the village by name. */
    val villages = State<List<Village>>(emptyList())

    /** The village the entry (or its correction) names, if the phone holds it. */
    fun village(lgdCode: String): Village? = villages.value.firstOrNull { it.lgdCode == lgdCode }

    /** Reads the entry and its history from the store. */
    fun load(): Job = scope.launch {
        try {
            val detail = repository.volunteer(volunteerId)
            if (detail.status is VolunteerStatus.Withdrawn) {
                page.set(VolunteerPage.Withdrawn)
                return@launch
            }
            villages.set(repository.villages(detail.beat))
            page.set(VolunteerPage.Showing(detail, repository.history(volunteerId), CorrectionDraft.restore(saved)))
        } catch (error: ApiException) {
            page.set(VolunteerPage.Failed(error))
        }
    }

    /** The in-charge's reason, when the entry was rejected. */
    fun rejectionReason(): String? =
        ((page.value as? VolunteerPage.Showing)?.detail?.status as? VolunteerStatus.Rejected)?.reason

    /** Starts (or changes) a correction; unchanged fields stay `null`. */
    fun correct(field: String, change: (VolunteerEdit) -> VolunteerEdit) {
        val showing = page.value as? VolunteerPage.Showing ?: return
        val next = change(showing.correction ?: VolunteerEdit())
        CorrectionDraft.save(next, saved)
        page.set(showing.copy(correction = next))
        if (field in errors.value) errors.set(errors.value - field)
    }

    /** Drops the correction being typed. */
    fun cancelCorrection() {
        val showing = page.value as? VolunteerPage.Showing ?: return
        CorrectionDraft.save(null, saved)
        page.set(showing.copy(correction = null))
        errors.set(emptyMap())
    }

    /**
     * Stores the correction durably; the entry goes back to the in-charge at the next sync.
     * A refused field stays on screen with its reason and nothing is stored.
     */
    fun resubmit(): Job = scope.launch {
        val showing = page.value as? VolunteerPage.Showing ?: return@launch
        val correction = showing.correction ?: return@launch
        try {
            repository.edit(volunteerId, correction)
            CorrectionDraft.save(null, saved)
            errors.set(emptyMap())
            resubmitted.set(true)
            page.set(VolunteerPage.Showing(repository.volunteer(volunteerId), repository.history(volunteerId), null))
        } catch (invalid: ApiException.Invalid) {
            errors.set(invalid.problems.associate { it.field to it.code })
        } catch (error: ApiException) {
            page.set(VolunteerPage.Failed(error))
        }
    }

    /** Asks for confirmation before a withdrawal, which cannot be undone. */
    fun askToWithdraw() = setConfirming(true)

    /** Closes the confirmation without recording anything. */
    fun cancelWithdrawal() = setConfirming(false)

    /**
     * Records, once confirmed, that the person withdrew consent in person: their details
     * leave the phone now, and the server and every other phone at the next sync.
     */
    fun confirmWithdrawal(): Job = scope.launch {
        if (!confirmingWithdrawal.value) return@launch
        setConfirming(false)
        try {
            repository.withdraw(volunteerId)
            CorrectionDraft.save(null, saved)
            page.set(VolunteerPage.Withdrawn)
        } catch (error: ApiException) {
            page.set(VolunteerPage.Failed(error))
        }
    }

    private fun setConfirming(confirming: Boolean) {
        confirmingWithdrawal.set(confirming)
        saved[CONFIRMING] = if (confirming) "1" else null
    }

    private companion object {
        const val CONFIRMING = "volunteer.confirming_withdrawal"
    }
}

/** The correction being typed, as [SavedValues]. */
internal object CorrectionDraft {
    private const val PREFIX = "volunteer.edit."
    private val KEYS = listOf("name_devanagari", "name_latin", "phone", "household", "gender", "age_years",
        "birth_year", "village_lgd", "add_programmes", "remove_programmes")

    fun save(edit: VolunteerEdit?, saved: SavedValues) {
        saved[PREFIX + "present"] = if (edit == null) null else "1"
        val values = edit?.let {
            mapOf(
                "name_devanagari" to it.nameDevanagari, "name_latin" to it.nameLatin, "phone" to it.phone,
                "household" to it.household, "gender" to it.gender, "age_years" to it.ageYears?.toString(),
                "birth_year" to it.birthYear?.toString(), "village_lgd" to it.villageLgd,
                "add_programmes" to it.addProgrammes.joinToString(",").ifEmpty { null },
                "remove_programmes" to it.removeProgrammes.joinToString(",").ifEmpty { null },
            )
        } ?: emptyMap()
        for (key in KEYS) saved[PREFIX + key] = values[key]
    }

    fun restore(saved: SavedValues): VolunteerEdit? {
        if (saved[PREFIX + "present"] != "1") return null
        fun get(key: String) = saved[PREFIX + key]
        fun list(key: String) = get(key)?.split(',')?.filter { it.isNotEmpty() } ?: emptyList()
        return VolunteerEdit(
            nameDevanagari = get("name_devanagari"), nameLatin = get("name_latin"), phone = get("phone"),
            household = get("household"), gender = get("gender"), ageYears = get("age_years")?.toUIntOrNull(),
            birthYear = get("birth_year")?.toUIntOrNull(), villageLgd = get("village_lgd"),
            addProgrammes = list("add_programmes"), removeProgrammes = list("remove_programmes"),
        )
    }
}
