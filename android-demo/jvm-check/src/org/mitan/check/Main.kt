// The JVM run of the Kotlin layer (issue 5), against a real `mitan serve` on 127.0.0.1: it
// goes through the generated bindings and the shared repository and view-models exactly as
// the Android app does, prints each step, and exits non-zero on the first mismatch.
package org.mitan.check

import java.io.File
import java.util.Calendar
import kotlin.system.exitProcess
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking
import org.mitan.ffi.ApiException
import org.mitan.ffi.ChangeAction
import org.mitan.ffi.ConsentNotice
import org.mitan.ffi.ConsentTerms
import org.mitan.ffi.DeviceIdentity
import org.mitan.ffi.EnrolmentForm
import org.mitan.ffi.EnrolmentProblem
import org.mitan.ffi.FieldShown
import org.mitan.ffi.MitanDevice
import org.mitan.ffi.SyncTransport
import org.mitan.ffi.VolunteerStatus
import org.mitan.ffi.Gender
import org.mitan.ffi.InvalidCode
import org.mitan.ffi.builtInProgrammes
import org.mitan.ffi.cameraDirections
import org.mitan.ffi.cameraRemovalReasons
import org.mitan.ffi.devicePublicKey
import org.mitan.ffi.problemCodes
import org.mitan.ffi.refusalReasons
import org.mitan.shared.CameraDraft
import org.mitan.shared.CameraOwnerShown
import org.mitan.shared.CameraRemovalDraft
import org.mitan.shared.CameraStatus
import org.mitan.shared.CameraViewModel
import org.mitan.shared.EnrolmentStatus
import org.mitan.shared.EnrolmentViewModel
import org.mitan.shared.FileStoreKeyVault
import org.mitan.shared.IstTime
import org.mitan.shared.Json
import org.mitan.shared.Language
import org.mitan.shared.MapSavedValues
import org.mitan.shared.MitanRepository
import org.mitan.shared.PinnedTls
import org.mitan.shared.RegistrationError
import org.mitan.shared.RegistrationState
import org.mitan.shared.RegistrationViewModel
import org.mitan.shared.RosterViewModel
import org.mitan.shared.ServerApi
import org.mitan.shared.SyncState
import org.mitan.shared.VolunteerPage
import org.mitan.shared.VolunteerViewModel
import org.mitan.shared.ownerShown

class Mismatch(message: String) : Exception(message)

inline fun check(condition: Boolean, what: () -> String) {
    if (!condition) throw Mismatch(what())
}

fun step(text: String) = println("ok   $text")

val GIVEN = listOf("रमेश" to "Ramesh", "सुनीता" to "Sunita", "प्रिया" to "Priya", "विकास" to "Vikas", "गीता" to "Gita")
val FAMILY = listOf("साहू" to "Sahu", "पटेल" to "Patel", "वर्मा" to "Verma", "यादव" to "Yadav", "दुबे" to "Dubey")

/**
 * Volunteer [index]'s form: distinct names, phones and house numbers (so no two share a
 * household), an adult, consent under the held notice.
 */
fun volunteerForm(base: EnrolmentForm, index: Int): EnrolmentForm {
    val (givenDeva, givenLatin) = GIVEN[index % GIVEN.size]
    val (familyDeva, familyLatin) = FAMILY[(index / GIVEN.size) % FAMILY.size]
    return base.copy(
        nameDevanagari = "$givenDeva $familyDeva",
        nameLatin = "$givenLatin $familyLatin",
        phone = "98${(27_000_000 + index).toString().padStart(8, '0')}",
        gender = if (givenLatin in setOf("Sunita", "Priya", "Gita")) "female" else "male",
        ageYears = (19 + index % 60).toUInt(),
        villageLgd = "434521",
        household = "",
        houseNumber = "${index + 1}",
        familyName = familyDeva,
        consentGiven = true,
    )
}

fun main(args: Array<String>) {
    val options = args.toList().chunked(2).associate { it[0].removePrefix("--") to it.getOrElse(1) { "" } }
    try {
        runBlocking {
            when (options["mode"] ?: "run") {
                "run" -> run(options, this)
                "bench" -> bench(options)
                "sync-bench" -> syncBench(options)
                else -> throw Mismatch("unknown --mode ${options["mode"]}")
            }
        }
    } catch (mismatch: Mismatch) {
        System.err.println("FAIL ${mismatch.message}")
        exitProcess(1)
    }
}

/** Shows the notice in Hindi, reads it out, and closes it: the consent boxes are enabled after. */
suspend fun readOutNotice(enrolment: EnrolmentViewModel) {
    enrolment.showNotice(Language.HINDI).join()
    check(enrolment.notice.value?.language == "hi") { "the Hindi notice is not on screen: ${enrolment.notice.value}" }
    enrolment.noticeRead()
}

suspend fun run(options: Map<String, String>, scope: CoroutineScope) {
    val server = options["server"] ?: throw Mismatch("--server missing")
    val dir = File(options["dir"] ?: throw Mismatch("--dir missing"))
    val year = Calendar.getInstance().get(Calendar.YEAR)
    val strings = AppStrings.load(File(options["res"] ?: throw Mismatch("--res missing")))

    // The shared JSON reader, on the escapes the server's answers use; IST times for people.
    val parsed = Json.parse("""{"a":"मि\u0924\"\\n","b":[1,2.5,true,null],"c":{}}""")
    check(parsed == mapOf("a" to "मित\"\\n", "b" to listOf(1.0, 2.5, true, null), "c" to emptyMap<String, Any?>())) {
        "json: read $parsed"
    }
    check(IstTime.dateTime(0L) == "01-01-1970 05:30 IST") { "IST: ${IstTime.dateTime(0L)}" }

    // Every string the app shows exists in English and Hindi, and every code the core or the
    // server can hand the app has words: refusal codes, refused-change reasons, change
    // actions, programmes, registration errors, form fields, camera directions and removal
    // reasons.
    strings.checkComplete(
        "problem" to problemCodes().map { it.name.lowercase() },
        "refusal" to refusalReasons(),
        "action" to ChangeAction.entries.map { it.name.lowercase() },
        "programme" to builtInProgrammes(),
        "registration_error" to RegistrationError.entries.map { it.name.lowercase() },
        "gender" to Gender.entries.map { it.name.lowercase() },
        "field" to PHONE_FORM_FIELDS,
        "direction" to cameraDirections(),
        "camera_removal" to cameraRemovalReasons(),
    )
    val translated = problemCodes().map { "problem_" + it.name.lowercase() } +
        cameraDirections().map { "direction_$it" } + cameraRemovalReasons().map { "camera_removal_$it" }
    for (key in translated) {
        check(strings.hindi.getValue(key) != strings.english.getValue(key)) { "$key is not translated" }
    }
    step("strings.xml: ${strings.english.size} strings in en and hi; words for all ${problemCodes().size} refusal codes, ${refusalReasons().size} refused-change reasons, ${ChangeAction.entries.size} actions, ${builtInProgrammes().size} programmes, ${cameraDirections().size} camera directions, ${cameraRemovalReasons().size} camera removal reasons")

    // 1. Register the constable's phone over HTTPS by the slip's QR text, pinning the
    // district CA, and receive the district's notices and the beat's villages. A slip naming
    // another CA, or a spent code, registers nothing.
    val ca = options.getValue("ca")
    val registration = RegistrationViewModel(scope, File(dir, "constable"), FileStoreKeyVault(File(dir, "constable/store-key.hex")))
    check(!registration.scanned("https://example.org/not-a-slip")) { "a URL read as a slip" }
    check((registration.state.value as? RegistrationState.Failed)?.error == RegistrationError.NOT_A_SLIP) { "not a slip: ${registration.state.value}" }
    val impostor = RegistrationViewModel(scope, File(dir, "impostor"), FileStoreKeyVault(File(dir, "impostor/store-key.hex")))
    check(impostor.scanned("mitan:register?server=$server&code=${options.getValue("constable-code")}&ca=${options.getValue("other-ca")}")) { "impostor slip" }
    impostor.register().join()
    check((impostor.state.value as? RegistrationState.Failed)?.error == RegistrationError.WRONG_CERTIFICATE) {
        "registered against a CA that is not the slip's: ${impostor.state.value}"
    }
    val plain = runCatching { ServerApi(server.replace("https://", "http://").replace("127.0.0.1", "10.1.2.3")) }
    check(plain.isFailure) { "plain http to another machine was accepted" }
    val mistyped = RegistrationViewModel(scope, File(dir, "mistyped"), FileStoreKeyVault(File(dir, "mistyped/store-key.hex")))
    mistyped.typeServer(server)
    mistyped.typeCode("NOT-A-CODE")
    mistyped.typeCaFingerprint(ca)
    mistyped.register().join()
    check((mistyped.state.value as? RegistrationState.Failed)?.error == RegistrationError.CODE_REFUSED) { "a mistyped code: ${mistyped.state.value}" }
    check(registration.scanned("mitan:register?server=$server&code=${options.getValue("constable-code")}&ca=$ca")) { "the slip's QR text does not read" }
    check(registration.server.value == server && registration.caFingerprint.value == ca) { "the slip reads back as ${registration.server.value}" }
    registration.register().join()
    val registered = registration.state.value
    check(registered is RegistrationState.Registered) { "registration: $registered" }
    val repository = (registered as RegistrationState.Registered).repository
    val vault = FileStoreKeyVault(File(dir, "constable/store-key.hex"))
    check(repository.profile.ca != null && PinnedTls.fingerprint(repository.profile.ca!!) == ca) { "the pinned CA" }
    val profileText = File(dir, "constable/profile.properties").readText()
    check(repository.profile.registration.credential.length >= 32 && !profileText.contains(repository.profile.registration.credential)) {
        "the credential is in the plain profile"
    }
    step("over HTTPS by the slip's QR text: another CA is ${strings.english("registration_error_wrong_certificate").take(32)}…, a mistyped code is refused, plain HTTP to another machine is refused; the slip's CA ($ca) is pinned; the credential is kept in the encrypted store, not the profile")
    check(repository.profile.registration.badge == "CG-001") { "registered as ${repository.profile.registration.badge}" }
    check(repository.beats == listOf("BSP-PS-KONI-B01")) { "beats ${repository.beats}" }
    val hindi = repository.notice("hi")
    check(hindi != null && hindi.version == 1u && hindi.text.contains("मितान")) { "hindi notice $hindi" }
    val english = repository.notice("en")
    check(english != null && english.version == 1u && english.text.contains("Mitan")) { "english notice $english" }
    step("registered device ${repository.profile.registration.deviceId} for CG-001, beat ${repository.beats}, notices hi+en v1")

    // 2. The enrolment form: the beat's villages by name, the notice before the consent box,
    // nothing lost when the screen is built again (a rotation), and the guardian's fields for
    // a minor.
    val saved = MapSavedValues()
    val enrolment = EnrolmentViewModel(repository, scope, saved, year)
    enrolment.loading.join()
    check(enrolment.villages.value.map { it.nameEn } == listOf("Birkona", "Koni")) {
        "the beat's villages: ${enrolment.villages.value}"
    }
    // The district's list, with the programme it added (run.sh: `mitan admin set-programme`).
    val offered = enrolment.programmes.value.associateBy { it.code }
    check(offered.keys.containsAll(listOf("cyber_mitan", "suraksha_sakhi", "nasha_mukti"))) { "programmes ${offered.keys}" }
    check(offered.getValue("nasha_mukti").nameHi == "नशा मुक्ति अभियान") { "the district's name ${offered["nasha_mukti"]}" }
    enrolment.consent(true)
    check(!enrolment.form.value.consentGiven) { "consent ticked before the notice was shown" }
    enrolment.edit("name_devanagari") { volunteerForm(it, 0).copy(consentGiven = true, villageLgd = "") }
    check(!enrolment.form.value.consentGiven) { "consent set through an edit before the notice" }
    enrolment.chooseVillage(enrolment.villages.value.single { it.nameEn == "Koni" })
    enrolment.submit().join()
    check(enrolment.errors.value["consent"] == InvalidCode.REQUIRED) { "consent before the notice: ${enrolment.errors.value}" }
    readOutNotice(enrolment)
    enrolment.consent(true)
    check(enrolment.form.value.consentGiven && enrolment.form.value.consentLanguage == "hi" && enrolment.form.value.consentNoticeVersion == 1u) {
        "after the notice: ${enrolment.form.value}"
    }
    val rotated = EnrolmentViewModel(repository, scope, saved, year)
    rotated.loading.join()
    check(rotated.form.value == enrolment.form.value && rotated.noticeShown.value) { "after a rotation: ${rotated.form.value}" }
    rotated.edit("age") { it.copy(ageYears = 15u) }
    check(rotated.needsGuardian()) { "a 15-year-old needs a guardian" }
    rotated.submit().join()
    check(rotated.errors.value.keys.any { it.startsWith("guardian") }) { "a minor without a guardian: ${rotated.errors.value}" }
    enrolment.toggleProgramme("cyber_mitra")
    enrolment.submit().join()
    check(enrolment.errors.value["programmes"] == InvalidCode.UNKNOWN) { "a mistyped programme: ${enrolment.errors.value}" }
    enrolment.toggleProgramme("cyber_mitra")
    step("the form offers the district's ${offered.size} programmes, its own Nasha Mukti among them, and refuses a code not on the list")
    step("the form offers the beat's villages by name (${enrolment.villages.value.joinToString { it.nameHi }}); consent stays unticked until the notice was read out; a rebuilt screen keeps the half-typed form; a minor without a guardian is refused")

    // 3. Offline: enrol 25 volunteers through the enrolment view-model, each after the notice.
    val ids = mutableListOf<String>()
    for (index in 0 until 25) {
        readOutNotice(rotated)
        rotated.edit("name") { volunteerForm(it, index) }
        rotated.submit().join()
        val status = rotated.status.value
        check(status is EnrolmentStatus.Saved) { "volunteer $index: $status, errors ${rotated.errors.value}" }
        check(!rotated.noticeShown.value && !rotated.form.value.consentGiven) { "the next person's consent box is enabled" }
        ids += (status as EnrolmentStatus.Saved).receipt.volunteerId
    }
    val roster = RosterViewModel(repository, scope)
    roster.refresh().join()
    check(roster.rows.value.size == 25) { "roster lists ${roster.rows.value.size}" }
    val quota = roster.quota.value
    check(quota != null && quota.counted == 25u && quota.quota == 25u) { "quota $quota" }
    check(roster.pending.value == 25L) { "pending ${roster.pending.value}" }
    check(roster.lastSyncMs.value == null) { "last sync ${roster.lastSyncMs.value} before any sync" }
    step("enrolled 25 volunteers offline; ${strings.english("roster_quota").format(quota!!.counted.toInt(), quota.quota.toInt())}; ${roster.pending.value} changes wait")

    // Search by a Latin spelling finds the Devanagari entries too.
    roster.search("ramesh").join()
    check(roster.rows.value.size == 5 && roster.rows.value.all { it.nameLatin?.startsWith("Ramesh") == true }) {
        "search ramesh: ${roster.rows.value.map { it.nameLatin }}"
    }
    roster.search("रमेश").join()
    check(roster.rows.value.size == 5) { "search रमेश: ${roster.rows.value.size}" }
    roster.search("").join()
    step("search 'ramesh' and 'रमेश' each find the 5 Rameshes")

    // 4. An invalid phone: a Kotlin exception naming the field and the code, nothing stored.
    val base = rotated.form.value.copy(consentLanguage = "hi", consentNoticeVersion = 1u)
    val refused = try {
        repository.enrol(volunteerForm(base, 99).copy(phone = "12345"))
        throw Mismatch("an invalid phone was accepted")
    } catch (invalid: ApiException.Invalid) {
        invalid
    }
    check(refused.field == "phone") { "refused field ${refused.field}" }
    check(refused.code in setOf(InvalidCode.NOT_MOBILE, InvalidCode.BAD_FORMAT, InvalidCode.NOT_INDIAN, InvalidCode.TOO_SHORT)) {
        "refused code ${refused.code}"
    }
    check(refused.problems.any { it.field == "phone" && it.code == refused.code }) { "problems ${refused.problems}" }
    // A form wrong in several fields names each of them, beside each field.
    readOutNotice(rotated)
    rotated.edit("phone") { volunteerForm(it, 98).copy(phone = "12345", villageLgd = "12", nameLatin = "रमेश") }
    rotated.submit().join()
    check(rotated.errors.value.keys.containsAll(setOf("phone", "village", "name_latin"))) { "several bad fields: ${rotated.errors.value}" }
    check(rotated.errors.value["phone"] == refused.code) { "inline errors ${rotated.errors.value}" }
    rotated.edit("phone") { it.copy(phone = "9827099999") }
    check("phone" !in rotated.errors.value && "village" in rotated.errors.value) { "an edited field keeps its error: ${rotated.errors.value}" }
    check(repository.quota().enrolled == 25u) { "a refused form stored something" }
    val shown = rotated.errors.value.entries.joinToString("; ") { (field, code) ->
        strings.hindi("problem_line").format(strings.hindi("field_$field"), strings.hindi("problem_" + code.name.lowercase()))
    }
    step("refused field by field, shown beside each: $shown")
    // A village of the station's other beat (Sendri, 434530) is not this beat's.
    rotated.edit("village") { it.copy(phone = "9827099999", villageLgd = "434530", nameLatin = "Rita Sahu") }
    rotated.submit().join()
    check(rotated.errors.value == mapOf("village" to InvalidCode.NOT_IN_BEAT)) { "another beat's village: ${rotated.errors.value}" }
    rotated.chooseVillage(rotated.villages.value.single { it.nameEn == "Birkona" })
    check("village" !in rotated.errors.value) { "choosing a village keeps its error" }
    check(repository.quota().enrolled == 25u) { "a refused form stored something" }
    step("a village of the station's other beat refused beside the field: ${strings.hindi("problem_not_in_beat")}")
    householdRefusedPartByPart(rotated, repository, strings)

    // 5. Sync with the server: first through a transport cut after the server answered, so
    // the reply is lost. Nothing is half-stored: every change still waits, and the next sync
    // has the server acknowledge them all, once, with progress after each stored round.
    val direct = repository.serverTransport()
    val cut = object : SyncTransport {
        override fun exchange(request: ByteArray): ByteArray {
            direct.exchange(request)
            throw ApiException.Network("connection reset after the server answered")
        }
    }
    check(runCatching { repository.syncThrough(cut) }.exceptionOrNull() is ApiException.Network) { "the cut sync did not fail" }
    check(repository.pendingSyncCount() == 25L) { "after a cut sync ${repository.pendingSyncCount()} wait" }
    step("a sync cut after the server answered: nothing half-stored, all 25 changes still wait")
    val heard = java.util.concurrent.CopyOnWriteArrayList<SyncState>()
    val listening = roster.sync.observe { heard += it }
    roster.sync().join()
    listening.close()
    val first = roster.sync.value
    check(first is SyncState.Done) { "first sync: $first" }
    val summary = (first as SyncState.Done).summary
    check(summary.acknowledged == 25uL) { "acknowledged ${summary.acknowledged}" }
    check(summary.refused == 0uL && summary.refusedChanges.isEmpty()) { "refused ${summary.refusedChanges}" }
    check(roster.pending.value == 0L) { "pending after sync ${roster.pending.value}" }
    check(roster.lastSyncMs.value != null) { "no last sync time" }
    val progress = heard.filterIsInstance<SyncState.Running>().mapNotNull { it.progress }
    check(progress.isNotEmpty() && progress.last().pending == 0uL && progress.last().acknowledged == 25uL) { "progress heard: $progress" }
    step("synced: ${summary.acknowledged} acknowledged in ${summary.roundTrips} round trip(s), ${summary.bytesUp} B up, ${summary.bytesDown} B down; progress after each stored round (${progress.size}); ${strings.english("roster_last_sync").format(IstTime.dateTime(roster.lastSyncMs.value!!))}")

    // 6. A supervisor verifies one volunteer on the server, over HTTP.
    val api = ServerApi(server, repository.profile.trust())
    // The supervisor acts over HTTP only, but registers a signing key like any device.
    val supervisorDir = File(dir, "supervisor").also { it.mkdirs() }
    val supervisorKey = devicePublicKey(File(supervisorDir, "mitan.db").path, ByteArray(32) { 9 })
    val supervisor = api.register(options.getValue("supervisor-code"), ByteArray(16) { (it * 7 + 1).toByte() }, supervisorKey)
    check(supervisor.role == "station_incharge") { "supervisor role ${supervisor.role}" }
    val chosen = ids[7]
    val answer = api.request("POST", "/v1/volunteers/$chosen/verify", supervisor.credential, null, null)
    @Suppress("UNCHECKED_CAST")
    val verified = Json.parse(answer.toString(Charsets.UTF_8)) as Map<String, Any?>
    check(verified["status"] == "verified") { "verify answered $verified" }
    check(repository.volunteer(chosen).status == VolunteerStatus.Pending) { "verified on the phone before a sync" }
    step("supervisor ${supervisor.badge} verified $chosen on the server")

    // 7. Sync again and read the verification back, with the history on the volunteer's page.
    roster.sync().join()
    val second = roster.sync.value
    check(second is SyncState.Done && second.summary.received >= 1uL) { "second sync: $second" }
    val page = VolunteerViewModel(repository, scope, chosen)
    page.load().join()
    val showing = page.page.value
    check(showing is VolunteerPage.Showing) { "the volunteer's page: $showing" }
    val detail = (showing as VolunteerPage.Showing).detail
    check(detail.status == VolunteerStatus.Verified) { "status on the phone ${detail.status}" }
    check(detail.reviewedBy == supervisor.badge) { "reviewed by ${detail.reviewedBy}" }
    check(detail.nameLatin == volunteerForm(base, 7).nameLatin) { "name ${detail.nameLatin}" }
    check(repository.quota().verified == 1u) { "verified count ${repository.quota().verified}" }
    check(roster.rows.value.single { it.volunteerId == chosen }.status == "verified") { "list status" }
    val history = showing.history
    check(history.map { it.action to it.badge } == listOf(ChangeAction.ENROL to "CG-001", ChangeAction.REVIEW to supervisor.badge)) {
        "history ${history.map { "${it.action} by ${it.badge} on ${it.device}" }}"
    }
    check(history[0].device == repository.profile.registration.deviceId) { "enrolled on ${history[0].device}" }
    // Field by field: the phone opened with the key this phone holds, the review as written.
    val enrolledPhone = history[0].fields.single { it.field == "phone" }.shown
    check(enrolledPhone == FieldShown.Opened("+91" + volunteerForm(base, 7).phone)) { "the enrolment's phone shows $enrolledPhone" }
    val review = history[1].fields.single { it.field == "review" }.shown
    check(review is FieldShown.Value && review.text.contains("\"verified\"") && review.text.contains(supervisor.badge)) {
        "the review wrote $review"
    }
    val lines = history.map { change ->
        strings.hindi("history_line").format(IstTime.dateTime(change.deviceClockMs), strings.hindi("action_" + change.action.name.lowercase()), change.badge)
    }
    step("$chosen's page: ${strings.english("status_verified")} by ${detail.reviewedBy}; history ${lines.joinToString(" / ")}")

    // A minor, with a guardian's consent, through the form.
    readOutNotice(rotated)
    rotated.edit("name") {
        volunteerForm(it, 97).copy(ageYears = 15u, guardianName = "सुरेश साहू", guardianRelation = "पिता", guardianPhone = "9827011111")
    }
    rotated.guardianConsent(true)
    // Trained by a volunteer of the beat, picked from the form's list.
    rotated.loading.join()
    val trainer = rotated.trainers.value.firstOrNull { it.volunteerId == ids[0] } ?: throw Mismatch("trainers offered: ${rotated.trainers.value.size}")
    rotated.chooseTrainer(trainer)
    rotated.submit().join()
    val minor = rotated.status.value
    check(minor is EnrolmentStatus.Saved) { "the minor: $minor, ${rotated.errors.value}" }
    check(repository.volunteer((minor as EnrolmentStatus.Saved).receipt.volunteerId).ageYears == 15u) { "the minor's age" }
    step("a 15-year-old enrolled with her father's consent (${minor.receipt.volunteerId}), trained by ${trainer.nameLatin}, picked from the beat's list")
    oneHouseholdWrittenTwoWays(rotated, repository, strings)

    // 8. The in-charge rejects an entry; the volunteer's page shows why, the constable
    // corrects it and resubmits, and the in-charge verifies it.
    val corrected = ids[3]
    api.request("POST", "/v1/volunteers/$corrected/reject", supervisor.credential, "application/json",
        "{\"reason\":\"गाँव गलत लिखा है\"}".toByteArray())
    roster.sync().join()
    val rejectedPage = VolunteerViewModel(repository, scope, corrected, MapSavedValues())
    rejectedPage.load().join()
    check(rejectedPage.rejectionReason() == "गाँव गलत लिखा है") { "rejection on the phone: ${rejectedPage.page.value}" }
    rejectedPage.correct("phone") { it.copy(phone = "12") }
    rejectedPage.resubmit().join()
    check(rejectedPage.errors.value["phone"] != null && !rejectedPage.resubmitted.value) { "a bad correction: ${rejectedPage.errors.value}" }
    rejectedPage.correct("phone") { it.copy(phone = null, villageLgd = "434522", household = "मकान नं. 44, वार्ड 3") }
    rejectedPage.resubmit().join()
    check(rejectedPage.resubmitted.value && rejectedPage.errors.value.isEmpty()) { "the correction: ${rejectedPage.errors.value}" }
    roster.sync().join()
    val resubmitted = roster.sync.value
    check(resubmitted is SyncState.Done && resubmitted.summary.acknowledged >= 1uL && resubmitted.summary.refusedChanges.isEmpty()) {
        "resubmission: $resubmitted"
    }
    api.request("POST", "/v1/volunteers/$corrected/verify", supervisor.credential, null, null)
    roster.sync().join()
    check(repository.volunteer(corrected).status == VolunteerStatus.Verified) { "verified after the correction" }
    check(repository.volunteer(corrected).village == "434522") { "the corrected village" }
    @Suppress("UNCHECKED_CAST")
    val cascade = Json.parse(api.request("GET", "/v1/reports/trainers", supervisor.credential, null, null).toString(Charsets.UTF_8)) as Map<String, Any?>
    @Suppress("UNCHECKED_CAST")
    val trainerRows = cascade["trainers"] as List<Map<String, Any?>>
    check(trainerRows.any { it["trainer"] == "v:${ids[0]}" && it["trainees"] == 1.0 }) { "the trainers report: $cascade" }
    step("rejected with a reason shown on the volunteer's page (${strings.hindi("volunteer_rejected_reason").format("गाँव गलत लिखा है")}); a bad correction refused beside its field; corrected, resubmitted and verified")

    // 9. A withdrawal, only once confirmed, erases the person's details on the phone and
    // reaches the server.
    val leaving = ids[4]
    val leavingPage = VolunteerViewModel(repository, scope, leaving)
    leavingPage.load().join()
    leavingPage.confirmWithdrawal().join()
    check(repository.volunteer(leaving).status != VolunteerStatus.Withdrawn) { "withdrawn without a confirmation" }
    leavingPage.askToWithdraw()
    leavingPage.confirmWithdrawal().join()
    check(leavingPage.page.value == VolunteerPage.Withdrawn) { "the page after a withdrawal: ${leavingPage.page.value}" }
    val gone = repository.volunteer(leaving)
    check(gone.status == VolunteerStatus.Withdrawn && gone.nameDevanagari == null && gone.phone == null) { "withdrawn: $gone" }
    roster.sync().join()
    @Suppress("UNCHECKED_CAST")
    val onServer = Json.parse(api.request("GET", "/v1/volunteer-record?volunteer=$leaving", supervisor.credential, null, null)
        .toString(Charsets.UTF_8)) as Map<String, Any?>
    check(onServer["status"] == "withdrawn" && onServer["phone"] == null) { "the server holds $onServer" }
    step("a withdrawal, recorded only after its confirmation, erased $leaving's name and number on the phone and, after the sync, on the server")

    privateCameras(repository, roster, options, dir, year, scope, strings, api, supervisor.credential)

    // A device store opens only with its own key.
    repository.close()
    val wrongKey = try {
        MitanRepository.open(File(dir, "constable"), { ByteArray(32) }, year)
        null
    } catch (error: ApiException.Storage) {
        error
    }
    check(wrongKey != null) { "the store opened with a wrong key" }
    MitanRepository.open(File(dir, "constable"), vault, year).use { reopened ->
        // 25, the minor and one household's two enrolled, one of them withdrawn.
        check(reopened.quota().enrolled == 28u && reopened.quota().counted == 27u) { "reopened quota ${reopened.quota()}" }
    }
    step("the store refuses a wrong key (ApiException.Storage) and reopens with its own")

    restoredFromBackup(dir, vault, year, base, options.getValue("recovery-code"), scope, strings)
    println("JVM run passed: registered by QR over pinned HTTPS, 25 enrolled after the notice, bad forms refused field by field, a minor with a guardian, one household's second volunteer stored with a warning, a rejection corrected and verified, a withdrawal confirmed and erased, a camera registered, seen by a colleague's phone and removed with its owner erased, a restored phone recovered")
}

/**
 * The household in two parts, refused beside the right field: a house number without a digit
 * beside the house number, neither part beside the household, a ';' in the family name beside
 * it; editing either part answers the household's refusal; nothing is stored.
 */
suspend fun householdRefusedPartByPart(rotated: EnrolmentViewModel, repository: MitanRepository, strings: AppStrings) {
    rotated.edit("house_number") { it.copy(houseNumber = "पीपल के पास", familyName = "साहू") }
    rotated.submit().join()
    check(rotated.errors.value == mapOf("house_number" to InvalidCode.BAD_FORMAT)) { "a house number without a digit: ${rotated.errors.value}" }
    val noDigit = strings.hindi("problem_line").format(strings.hindi("field_house_number"), strings.hindi("problem_bad_format"))
    rotated.edit("house_number") { it.copy(houseNumber = "", familyName = "") }
    check(rotated.errors.value.isEmpty()) { "an edited house number keeps its error: ${rotated.errors.value}" }
    rotated.submit().join()
    check(rotated.errors.value == mapOf("household" to InvalidCode.REQUIRED)) { "neither part of the household: ${rotated.errors.value}" }
    rotated.edit("family_name") { it.copy(familyName = "साहू; पटेल") }
    check(rotated.errors.value.isEmpty()) { "typing a family name keeps the household's refusal: ${rotated.errors.value}" }
    rotated.submit().join()
    check(rotated.errors.value == mapOf("family_name" to InvalidCode.BAD_CHARACTER)) { "a ';' in the family name: ${rotated.errors.value}" }
    check(rotated.status.value == EnrolmentStatus.Editing && repository.quota().enrolled == 25u) { "a refused household stored something" }
    step("the household refused part by part, nothing stored: $noDigit; neither part is ${strings.english("field_household")}: ${strings.english("problem_required")}; a ';' in the family name is ${strings.english("problem_bad_character")}")
}

/**
 * One household written two ways in Birkona (Koni already has a house 12): house 12 of the
 * पटेल family, then house १२ in Devanagari digits of the Patel family. The second is stored,
 * and the view-model's receipt names the first as living in the same household (one volunteer
 * per household is a warning for the constable, not a refusal). Neither names a trainer (the
 * form keeps the minor's), so the trainers report still counts one trainee.
 */
suspend fun oneHouseholdWrittenTwoWays(rotated: EnrolmentViewModel, repository: MitanRepository, strings: AppStrings) {
    val birkona = rotated.villages.value.single { it.nameEn == "Birkona" }
    readOutNotice(rotated)
    rotated.edit("name") { volunteerForm(it, 40).copy(houseNumber = "12", familyName = "पटेल", trainedBy = "") }
    rotated.chooseVillage(birkona)
    rotated.submit().join()
    val firstOfHouse = rotated.status.value
    check(firstOfHouse is EnrolmentStatus.Saved && firstOfHouse.receipt.problems.isEmpty()) {
        "house 12 of the Patel family: $firstOfHouse, ${rotated.errors.value}"
    }
    val firstId = (firstOfHouse as EnrolmentStatus.Saved).receipt.volunteerId
    readOutNotice(rotated)
    rotated.edit("name") { volunteerForm(it, 41).copy(houseNumber = "१२", familyName = "Patel", trainedBy = "") }
    rotated.chooseVillage(birkona)
    rotated.submit().join()
    val secondOfHouse = rotated.status.value
    check(secondOfHouse is EnrolmentStatus.Saved) { "house १२ of the Patel family: $secondOfHouse, ${rotated.errors.value}" }
    val sameHousehold = (secondOfHouse as EnrolmentStatus.Saved).receipt
    check(sameHousehold.problems == listOf<EnrolmentProblem>(EnrolmentProblem.SameHouseholdAs(firstId))) {
        "the second of one household: ${sameHousehold.problems}"
    }
    val storedSecond = repository.volunteer(sameHousehold.volunteerId)
    // Both parts reached the core (how it joins them is its own business).
    check(storedSecond.status == VolunteerStatus.Pending && storedSecond.village == birkona.lgdCode &&
        storedSecond.household?.let { it.contains("१२") && it.contains("Patel") } == true) { "the second is stored as $storedSecond" }
    check(repository.quota().enrolled == 28u) { "enrolled ${repository.quota().enrolled} after the household's two" }
    step("house 12 (पटेल) and house १२ (Patel) in ${birkona.nameHi}: both stored, the second warned \"${strings.hindi("enrol_same_household").format(firstId)}\"")
}

/** The fields of the phone's forms, each of which must have a label in both languages. */
val PHONE_FORM_FIELDS = listOf(
    "name_devanagari", "name_latin", "phone", "household", "house_number", "family_name", "gender", "age", "village", "beat", "station",
    "programmes", "trained_by", "consent", "consent_language", "consent_notice", "guardian_consent",
    "guardian_name", "guardian_relation", "guardian_phone", "owner_name", "latitude", "longitude", "coverage",
    "direction", "recording_days",
)

const val CAMERA_OWNER = "फग्गूराम ध्रुव"
const val CAMERA_OWNER_PHONE = "9407312468"

/** The server's camera report as the in-charge reads it: the entry of [camera], and the report's text. */
fun cameraReport(api: ServerApi, credential: String, camera: String): Pair<Map<String, Any?>?, String> {
    val text = api.request("GET", "/v1/reports/cameras", credential, null, null).toString(Charsets.UTF_8)
    @Suppress("UNCHECKED_CAST")
    val entries = (Json.parse(text) as Map<String, Any?>)["cameras"] as List<Map<String, Any?>>
    return entries.firstOrNull { it["id"] == camera } to text
}

/**
 * 10. A private CCTV camera (Durg's Trinayan register) through the camera form: a wrong
 * direction and 0 days of recording are refused beside their fields and store nothing, as do
 * a blank latitude and a village of another beat; the form rebuilt from its saved values is
 * the same; then it is registered and synced. A second constable's phone of the same beat
 * syncs and sees the owner, removes the camera only after a confirmation with a reason, and
 * the removal reaches the server and the first phone, which lists it as removed with no owner
 * and asks for no key.
 */
suspend fun privateCameras(
    repository: MitanRepository,
    roster: RosterViewModel,
    options: Map<String, String>,
    dir: File,
    year: Int,
    scope: CoroutineScope,
    strings: AppStrings,
    api: ServerApi,
    supervisorCredential: String,
) {
    val beat = repository.beats.first()
    val saved = MapSavedValues()
    val cameras = CameraViewModel(repository, scope, saved)
    cameras.loading.join()
    check(cameras.directions.value == listOf("n", "ne", "e", "se", "s", "sw", "w", "nw")) { "directions offered ${cameras.directions.value}" }
    check(cameras.removalReasons.value == cameraRemovalReasons()) { "removal reasons ${cameras.removalReasons.value}" }
    check(cameras.villages.value.map { it.nameEn } == listOf("Birkona", "Koni")) { "the camera form's villages ${cameras.villages.value}" }
    check(cameras.cameras.value.isEmpty()) { "cameras before any: ${cameras.cameras.value}" }
    val koni = cameras.villages.value.single { it.nameEn == "Koni" }
    val waiting = repository.pendingSyncCount()

    // A wrong direction (typed, not one of the eight) and 0 days: both refused, nothing stored.
    cameras.edit("owner_name") {
        it.copy(ownerName = CAMERA_OWNER, ownerPhone = CAMERA_OWNER_PHONE, latitude = "22.0797", longitude = "82.1409",
            coverage = "चौक और बस स्टैंड", direction = "up", recordingDays = "0")
    }
    cameras.chooseVillage(koni)
    val rebuilt = CameraViewModel(repository, scope, saved)
    rebuilt.loading.join()
    check(rebuilt.form.value == cameras.form.value && rebuilt.chosenVillage() == koni) { "the camera form after a rotation: ${rebuilt.form.value}" }
    cameras.submit().join()
    check(cameras.errors.value == mapOf("direction" to InvalidCode.UNKNOWN, "recording_days" to InvalidCode.OUT_OF_RANGE)) {
        "a wrong direction and 0 days: ${cameras.errors.value}"
    }
    check(cameras.status.value == CameraStatus.Editing) { "after a refused camera: ${cameras.status.value}" }
    check(repository.cameras(beat).isEmpty() && repository.pendingSyncCount() == waiting) { "a refused camera stored something" }
    val shown = cameras.errors.value.entries.joinToString("; ") { (field, code) ->
        strings.hindi("problem_line").format(strings.hindi("field_$field"), strings.hindi("problem_" + code.name.lowercase()))
    }
    cameras.chooseDirection("ne")
    check("direction" !in cameras.errors.value && "recording_days" in cameras.errors.value) { "picking a direction: ${cameras.errors.value}" }
    step("a camera with a wrong direction and 0 days of recording refused beside each field, nothing stored: $shown; a rebuilt screen keeps the half-typed form")

    // A blank latitude (it never became a number) and a village of another beat (Sendri).
    cameras.edit("latitude") { it.copy(latitude = "", recordingDays = "३०") }
    cameras.submit().join()
    check(cameras.errors.value == mapOf("latitude" to InvalidCode.REQUIRED)) { "a blank latitude: ${cameras.errors.value}" }
    cameras.edit("latitude") { it.copy(latitude = "22.0797", villageLgd = "434530") }
    check(cameras.errors.value.isEmpty()) { "an edited latitude keeps its error: ${cameras.errors.value}" }
    cameras.submit().join()
    check(cameras.errors.value == mapOf("village" to InvalidCode.NOT_IN_BEAT)) { "another beat's village: ${cameras.errors.value}" }
    check(repository.cameras(beat).isEmpty() && repository.pendingSyncCount() == waiting) { "a refused camera stored something" }
    step("a blank latitude is ${strings.english("problem_required")}, a village of the other beat ${strings.english("problem_not_in_beat")}; nothing stored")

    // Corrected: the beat's village by name, 30 days typed in Devanagari digits.
    cameras.chooseVillage(koni)
    cameras.submit().join()
    val stored = cameras.status.value
    check(stored is CameraStatus.Saved) { "the camera: $stored, errors ${cameras.errors.value}" }
    val camera = (stored as CameraStatus.Saved).cameraId
    check(cameras.form.value == CameraDraft(beat, villageLgd = koni.lgdCode)) { "the form after a camera: ${cameras.form.value}" }
    val listed = cameras.cameras.value.singleOrNull() ?: throw Mismatch("cameras listed: ${cameras.cameras.value}")
    check(listed.id == camera && listed.village == koni.lgdCode && listed.direction == "ne" && listed.recordingDays == 30.toUShort() &&
        listed.latitude == 22.0797 && listed.longitude == 82.1409 && listed.removed == null) { "the camera as listed: $listed" }
    check(listed.ownerShown() == CameraOwnerShown.Owner(CAMERA_OWNER, "+91$CAMERA_OWNER_PHONE")) { "its owner: $listed" }
    roster.sync().join()
    val synced = roster.sync.value
    check(synced is SyncState.Done && synced.summary.refusedChanges.isEmpty() && repository.pendingSyncCount() == 0L) { "the camera's sync: $synced" }
    val (reported, reportText) = cameraReport(api, supervisorCredential, camera)
    check(reported != null && reported["removed"] == null && reported["direction"] == "ne") { "the server's camera report: $reportText" }
    check(!reportText.contains(CAMERA_OWNER) && !reportText.contains(CAMERA_OWNER_PHONE)) { "the camera report names the owner" }
    step("camera $camera registered (${strings.hindi("camera_looks").format(strings.hindi("direction_ne"))}, ${strings.hindi("camera_days").format(30)}), synced; the in-charge's camera report lists it without its owner")

    // A colleague's phone of the same beat receives the camera with its owner's key.
    val colleagueDir = File(dir, "colleague")
    MitanRepository.register(
        options.getValue("server"), options.getValue("colleague-code"), options.getValue("ca"), colleagueDir,
        FileStoreKeyVault(File(colleagueDir, "store-key.hex")), year,
    ).use { colleague ->
        check(colleague.profile.registration.badge == "CG-002" && colleague.beats == listOf(beat)) { "the colleague ${colleague.profile.registration}" }
        colleague.sync()
        val theirs = CameraViewModel(colleague, scope)
        theirs.loading.join()
        val seen = theirs.cameras.value.singleOrNull { it.id == camera } ?: throw Mismatch("the colleague's cameras: ${theirs.cameras.value}")
        check(!seen.sealed && seen.ownerShown() == CameraOwnerShown.Owner(CAMERA_OWNER, "+91$CAMERA_OWNER_PHONE")) { "on the colleague's phone: $seen" }
        step("the colleague's phone (CG-002) synced and shows ${strings.english("camera_owner").format(CAMERA_OWNER, "+91$CAMERA_OWNER_PHONE")}")

        // Removed only after the confirmation, with a reason picked.
        theirs.confirmRemoval().join()
        check(colleague.cameras(beat).single().removed == null) { "removed without a confirmation" }
        check(theirs.askToRemove(camera)) { "the removal did not open" }
        theirs.confirmRemoval().join()
        check(colleague.cameras(beat).single().removed == null && theirs.removing.value == CameraRemovalDraft(camera, null)) {
            "removed before a reason was picked: ${theirs.removing.value}"
        }
        theirs.chooseRemovalReason("owner_asked")
        theirs.confirmRemoval().join()
        val gone = theirs.cameras.value.single { it.id == camera }
        check(gone.removed == "owner_asked" && gone.removedAtMs != null && gone.ownerName == null && gone.ownerPhone == null && !gone.sealed) {
            "removed on the colleague's phone: $gone"
        }
        check(theirs.removing.value == null && theirs.removed.value == camera && theirs.failure.value == null) { "after the removal: ${theirs.failure.value}" }
        check(!theirs.askToRemove(camera)) { "a removed camera offered for removal again" }
        val again = try {
            colleague.removeCamera(camera, "dismantled")
            null
        } catch (refused: ApiException.Invalid) {
            refused
        }
        check(again != null && again.field == "camera_id" && again.code == InvalidCode.DUPLICATE) { "a second removal: $again" }
        val removedSummary = colleague.sync()
        check(removedSummary.acknowledged >= 1uL && removedSummary.refusedChanges.isEmpty()) { "the removal's sync: $removedSummary" }
        step("the colleague removed it only after the confirmation with a reason (${strings.hindi("camera_removal_owner_asked")}); its owner left that phone at once; a second removal is refused")
    }

    // The first phone receives the removal: listed as removed, no owner, no key asked for.
    roster.sync().join()
    cameras.load().join()
    val after = cameras.cameras.value.singleOrNull { it.id == camera } ?: throw Mismatch("the first phone's cameras: ${cameras.cameras.value}")
    check(after.removed == "owner_asked" && after.ownerName == null && after.ownerPhone == null) { "on the first phone after the removal: $after" }
    check(!after.sealed) { "the removed camera still asks for its key: $after" }
    val removal = after.ownerShown()
    check(removal is CameraOwnerShown.Removed && removal.reason == "owner_asked" && removal.atMs != null) { "the row shows $removal" }
    val (reportedAfter, reportAfterText) = cameraReport(api, supervisorCredential, camera)
    check(reportedAfter?.get("removed") == "owner_asked") { "the server's camera report after the removal: $reportAfterText" }
    val line = strings.hindi("camera_removed").format(IstTime.date((removal as CameraOwnerShown.Removed).atMs!!), strings.hindi("camera_removal_owner_asked"))
    step("after a sync the first phone lists it as \"$line\", with no owner and no key asked for; the server's report says removed")
}

/**
 * 11. The phone's folder is backed up; the phone enrols and syncs; the backup is restored on
 * another phone, which enrols and syncs: refused as `actor_reused`, the repository
 * re-registers with the credential and the enrolment lands. The original phone's credential
 * is now spent: its sync stops at [SyncState.NeedsCode] (the revoked screen) and a code from
 * the in-charge brings it back, with its unsynced enrolment.
 */
suspend fun restoredFromBackup(
    dir: File,
    vault: FileStoreKeyVault,
    year: Int,
    base: EnrolmentForm,
    code: String,
    scope: CoroutineScope,
    strings: AppStrings,
) {
    val live = File(dir, "constable")
    val backup = File(dir, "restored")
    live.copyRecursively(backup)
    val enrolled = MitanRepository.open(live, vault, year).use { phone ->
        val id = phone.enrol(volunteerForm(base, 30)).volunteerId
        phone.sync()
        id
    }
    MitanRepository.open(backup, vault, year).use { restored ->
        val before = restored.profile.registration.deviceId
        val id = restored.enrol(volunteerForm(base, 31)).volunteerId
        val summary = restored.sync()
        check(summary.reissued == 1uL) { "restored phone wrote again ${summary.reissued}" }
        check(restored.pendingSyncCount() == 0L) { "restored phone still has ${restored.pendingSyncCount()} waiting" }
        check(restored.profile.registration.deviceId != before) { "the restored phone kept its registration" }
        check(restored.roster("").any { it.volunteerId == enrolled }) { "the live phone's enrolment did not arrive" }
        step("a phone restored from a backup: refused as actor_reused, re-registered as ${restored.profile.registration.deviceId}, $id written again and acknowledged")
    }
    MitanRepository.open(live, vault, year).use { original ->
        val waiting = original.enrol(volunteerForm(base, 32)).volunteerId
        val roster = RosterViewModel(original, scope)
        roster.sync().join()
        check(roster.sync.value == SyncState.NeedsCode) { "the spent credential synced: ${roster.sync.value}" }
        check(original.pendingSyncCount() == 1L) { "waiting on the original ${original.pendingSyncCount()}" }
        roster.recover(code).join()
        val recovered = roster.sync.value
        check(recovered is SyncState.Done && recovered.summary.reissued == 1uL) { "recovery with a code: $recovered" }
        check(original.pendingSyncCount() == 0L) { "still waiting ${original.pendingSyncCount()}" }
        step("the original phone, its credential spent, shows \"${strings.english("revoked_title")}\"; with a code, $waiting reaches the server")
    }
}

/**
 * An empty form for [beat] under the Hindi notice v1, by name: a field the bindings add with a
 * default leaves it compiling.
 */
fun blankForm(beat: String, station: String) = EnrolmentForm(
    nameDevanagari = "", nameLatin = "", phone = "", gender = "", ageYears = null, birthYear = null,
    villageLgd = "", household = "", beat = beat, station = station, programmes = listOf("cyber_mitan"),
    trainedBy = "", consentGiven = false, consentLanguage = "hi", consentNoticeVersion = 1u,
    guardianName = "", guardianRelation = "", guardianPhone = "", guardianConsentGiven = false,
)

/**
 * Times [count] enrolments through Kotlin → FFI into a fresh store, after [warmup] untimed
 * ones; the Rust half of the comparison is `cargo bench -p mitan-ffi --bench enrolment_ffi`.
 */
fun bench(options: Map<String, String>) {
    val dir = File(options["dir"] ?: throw Mismatch("--dir missing"))
    val count = options["count"]?.toInt() ?: 200
    val warmup = options["warmup"]?.toInt() ?: 20
    dir.mkdirs()
    val device = MitanDevice(
        path = File(dir, "bench.db").path,
        storeKey = ByteArray(32) { 7 },
        identity = DeviceIdentity("DEV-BENCH", ByteArray(16) { 3 }, "CG-001", "BSP-PS-KONI", listOf("BSP-PS-KONI-B01"), 25u),
        currentYear = 2026u,
    )
    device.saveConsentTerms(ConsentTerms(false, listOf(ConsentNotice("hi", 1u, "सूचना", 0L))))
    val base = blankForm("BSP-PS-KONI-B01", "BSP-PS-KONI")
    for (index in 0 until warmup) device.enrol(volunteerForm(base, index))
    val times = LongArray(count)
    for (index in 0 until count) {
        val form = volunteerForm(base, warmup + index)
        val start = System.nanoTime()
        device.enrol(form)
        times[index] = System.nanoTime() - start
    }
    // The crossing alone: a call whose Rust side is one indexed SQLite count.
    val calls = LongArray(1000)
    for (index in calls.indices) {
        val start = System.nanoTime()
        device.pendingSyncCount()
        calls[index] = System.nanoTime() - start
    }
    device.close()
    times.sort()
    calls.sort()
    println("kotlin_ffi_enrol count=$count median_us=${times[count / 2] / 1000} p90_us=${times[count * 9 / 10] / 1000} " +
        "pending_count_call_median_us=${"%.1f".format(calls[calls.size / 2] / 1000.0)}")
}

/**
 * Registers a phone with [options]' code, enrols `count` volunteers offline through the
 * repository, and times one sync of them through the Kotlin transport (OkHttp over the pinned
 * TLS): the core's sync loop alone, as `mitan field sync` times its own. run.sh --bench sets
 * it beside the Rust field client on the same server.
 */
suspend fun syncBench(options: Map<String, String>) {
    val dir = File(options["dir"] ?: throw Mismatch("--dir missing"))
    val count = options["count"]?.toInt() ?: 25
    val offset = options["offset"]?.toInt() ?: 0
    val year = Calendar.getInstance().get(Calendar.YEAR)
    val repository = MitanRepository.register(
        options.getValue("server"), options.getValue("code"), options.getValue("ca"), dir,
        FileStoreKeyVault(File(dir, "store-key.hex")), year,
    )
    val base = blankForm(repository.beats.first(), repository.station)
    for (index in 0 until count) repository.enrol(volunteerForm(base, offset + index))
    val transport = repository.serverTransport()
    val start = System.nanoTime()
    val summary = repository.syncThrough(transport)
    val elapsed = System.nanoTime() - start
    check(summary.acknowledged == count.toULong()) { "acknowledged ${summary.acknowledged} of $count" }
    repository.close()
    println("kotlin_sync count=$count ms=${"%.1f".format(elapsed / 1e6)} round_trips=${summary.roundTrips} bytes_up=${summary.bytesUp} bytes_down=${summary.bytesDown}")
}
