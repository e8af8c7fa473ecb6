// The JVM run of the Kotlin layer (issue 5), against a real `mitan serve` on 127.0.0.1: it
// goes through the generated bindings and the shared repository and view-models exactly as
// the Android app does, prints each step, and exits non-zero on the first mismatch.
package org.mitan.check

import java.io.File
import java.util.Calendar
import kotlin.system.exitProcess
import org.mitan.ffi.ApiException
import org.mitan.ffi.ChangeAction
import org.mitan.ffi.ConsentNotice
import org.mitan.ffi.ConsentTerms
import org.mitan.ffi.DeviceIdentity
import org.mitan.ffi.EnrolmentForm
import org.mitan.ffi.FieldShown
import org.mitan.ffi.MitanDevice
import org.mitan.ffi.SyncTransport
import org.mitan.ffi.VolunteerStatus
import org.mitan.ffi.VolunteerEdit
import org.mitan.ffi.InvalidCode
import org.mitan.ffi.problemCodes
import org.mitan.ffi.devicePublicKey
import org.mitan.shared.EnrolmentStatus
import org.mitan.shared.EnrolmentViewModel
import org.mitan.shared.FileStoreKeyVault
import org.mitan.shared.Json
import org.mitan.shared.Messages
import org.mitan.shared.MitanRepository
import org.mitan.shared.RosterViewModel
import org.mitan.shared.PinnedTls
import org.mitan.shared.RegistrationSlip
import org.mitan.shared.ServerApi
import org.mitan.shared.SyncState
import org.mitan.shared.Work

class Mismatch(message: String) : Exception(message)

fun check(condition: Boolean, what: () -> String) {
    if (!condition) throw Mismatch(what())
}

fun step(text: String) = println("ok   $text")

val GIVEN = listOf("रमेश" to "Ramesh", "सुनीता" to "Sunita", "प्रिया" to "Priya", "विकास" to "Vikas", "गीता" to "Gita")
val FAMILY = listOf("साहू" to "Sahu", "पटेल" to "Patel", "वर्मा" to "Verma", "यादव" to "Yadav", "दुबे" to "Dubey")

/** Volunteer [index]'s form: distinct names and phones, an adult, consent under the held notice. */
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
        household = "मकान नं. ${index + 1}",
        consentGiven = true,
    )
}

fun main(args: Array<String>) {
    val options = args.toList().chunked(2).associate { it[0].removePrefix("--") to it.getOrElse(1) { "" } }
    try {
        when (options["mode"] ?: "run") {
            "run" -> run(options)
            "bench" -> bench(options)
            else -> throw Mismatch("unknown --mode ${options["mode"]}")
        }
    } catch (mismatch: Mismatch) {
        System.err.println("FAIL ${mismatch.message}")
        exitProcess(1)
    }
}

fun run(options: Map<String, String>) {
    val server = options["server"] ?: throw Mismatch("--server missing")
    val dir = File(options["dir"] ?: throw Mismatch("--dir missing"))
    val year = Calendar.getInstance().get(Calendar.YEAR)

    // The shared JSON reader, on the escapes the server's answers use.
    val parsed = Json.parse("""{"a":"मि\u0924\"\\n","b":[1,2.5,true,null],"c":{}}""")
    check(parsed == mapOf("a" to "मित\"\\n", "b" to listOf(1.0, 2.5, true, null), "c" to emptyMap<String, Any?>())) {
        "json: read $parsed"
    }

    // 1. Register the constable's phone over HTTPS, pinning the district CA from the slip,
    // and receive the district's notices. A slip naming another CA registers nothing.
    val ca = options.getValue("ca")
    val slip = RegistrationSlip.parse("mitan:register?server=$server&code=${options.getValue("constable-code")}&ca=$ca")
        ?: throw Mismatch("the slip's QR text does not read")
    check(slip.server == server && slip.caFingerprint == ca) { "the slip's QR text reads back as $slip" }
    val vault = FileStoreKeyVault(File(dir, "constable/store-key.hex"))
    val impostor = runCatching {
        MitanRepository.register(slip.server, slip.code, options.getValue("other-ca"), File(dir, "impostor"),
            FileStoreKeyVault(File(dir, "impostor/store-key.hex")), year)
    }
    check(impostor.isFailure && impostor.exceptionOrNull() is java.io.IOException) {
        "registered against a CA that is not the slip's: $impostor"
    }
    val plain = runCatching { ServerApi(server.replace("https://", "http://").replace("127.0.0.1", "10.1.2.3")) }
    check(plain.isFailure) { "plain http to another machine was accepted" }
    val repository = MitanRepository.register(slip.server, slip.code, slip.caFingerprint, File(dir, "constable"), vault, year)
    check(repository.profile.ca != null && PinnedTls.fingerprint(repository.profile.ca!!) == ca) { "the pinned CA" }
    val profileText = File(dir, "constable/profile.properties").readText()
    check(repository.profile.registration.credential.length >= 32 && !profileText.contains(repository.profile.registration.credential)) {
        "the credential is in the plain profile"
    }
    step("over HTTPS: a slip naming another CA registers nothing, plain HTTP to another machine is refused, the slip's CA ($ca) is pinned; the credential is kept in the encrypted store, not the profile")
    check(repository.profile.registration.badge == "CG-001") { "registered as ${repository.profile.registration.badge}" }
    check(repository.beats == listOf("BSP-PS-KONI-B01")) { "beats ${repository.beats}" }
    val hindi = repository.notice("hi")
    check(hindi != null && hindi.version == 1u && hindi.text.contains("मितान")) { "hindi notice $hindi" }
    val english = repository.notice("en")
    check(english != null && english.version == 1u && english.text.contains("Mitan")) { "english notice $english" }
    step("registered device ${repository.profile.registration.deviceId} for CG-001, beat ${repository.beats}, notices hi+en v1")

    // 2. Offline: enrol 25 volunteers through the enrolment view-model.
    val enrolment = EnrolmentViewModel(repository, Work.INLINE)
    val ids = mutableListOf<String>()
    for (index in 0 until 25) {
        enrolment.edit("name") { volunteerForm(it, index) }
        enrolment.submit()
        val status = enrolment.status.value
        check(status is EnrolmentStatus.Saved) { "volunteer $index: $status, errors ${enrolment.errors.value}" }
        ids += (status as EnrolmentStatus.Saved).receipt.volunteerId
    }
    val roster = RosterViewModel(repository, Work.INLINE)
    roster.refresh()
    check(roster.rows.value.size == 25) { "roster lists ${roster.rows.value.size}" }
    val quota = roster.quota.value
    check(quota != null && quota.counted == 25u && quota.quota == 25u) { "quota $quota" }
    check(roster.pending.value == 25L) { "pending ${roster.pending.value}" }
    check(roster.lastSyncMs.value == null) { "last sync ${roster.lastSyncMs.value} before any sync" }
    step("enrolled 25 volunteers offline; my quota ${quota!!.counted}/${quota.quota}; ${roster.pending.value} changes wait")

    // Search by a Latin spelling finds the Devanagari entries too.
    roster.search("ramesh")
    check(roster.rows.value.size == 5 && roster.rows.value.all { it.nameLatin?.startsWith("Ramesh") == true }) {
        "search ramesh: ${roster.rows.value.map { it.nameLatin }}"
    }
    roster.search("रमेश")
    check(roster.rows.value.size == 5) { "search रमेश: ${roster.rows.value.size}" }
    roster.search("")
    step("search 'ramesh' and 'रमेश' each find the 5 Rameshes")

    // 3. An invalid phone: a Kotlin exception naming the field and the code, nothing stored.
    val refused = try {
        repository.enrol(volunteerForm(enrolment.form.value, 99).copy(phone = "12345"))
        throw Mismatch("an invalid phone was accepted")
    } catch (invalid: ApiException.Invalid) {
        invalid
    }
    check(refused.field == "phone") { "refused field ${refused.field}" }
    check(refused.code in setOf(InvalidCode.NOT_MOBILE, InvalidCode.BAD_FORMAT, InvalidCode.NOT_INDIAN, InvalidCode.TOO_SHORT)) {
        "refused code ${refused.code}"
    }
    check(refused.problems.any { it.field == "phone" && it.code == refused.code }) { "problems ${refused.problems}" }
    // Every code the core can refuse with has words in both languages (the `when` in Messages
    // is checked complete by the compiler; this checks the words are there and translated).
    for (code in problemCodes()) {
        val hindi = Messages.problem(code, org.mitan.shared.Language.HINDI)
        val english = Messages.problem(code, org.mitan.shared.Language.ENGLISH)
        check(hindi.isNotBlank() && english.isNotBlank() && hindi != english) { "words for $code: $hindi / $english" }
    }
    // A form wrong in several fields names each of them.
    val several = try {
        repository.enrol(volunteerForm(enrolment.form.value, 98).copy(phone = "12345", villageLgd = "12", nameLatin = "रमेश"))
        throw Mismatch("a form with three bad fields was accepted")
    } catch (invalid: ApiException.Invalid) {
        invalid
    }
    check(several.problems.map { it.field }.toSet().containsAll(setOf("phone", "village", "name_latin"))) {
        "several bad fields: ${several.problems}"
    }
    // The same through the view-model: the error sits beside the phone field, in Hindi.
    enrolment.edit("phone") { volunteerForm(it, 99).copy(phone = "12345") }
    enrolment.submit()
    check(enrolment.errors.value["phone"] == refused.code) { "inline errors ${enrolment.errors.value}" }
    check(repository.quota().enrolled == 25u) { "a refused form stored something" }
    step("invalid phone refused: ApiException.Invalid(field=${refused.field}, code=${refused.code}), shown as \"${Messages.problem(refused.code, org.mitan.shared.Language.HINDI)}\"; a form with three bad fields names all ${several.problems.size}; all ${problemCodes().size} codes have Hindi and English words")


    // 4. Sync with the server: first through a transport cut after the server answered, so
    // the reply is lost. Nothing is half-stored: every change still waits, and the next sync
    // has the server acknowledge them all, once.
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
    roster.sync()
    val first = roster.sync.value
    check(first is SyncState.Done) { "first sync: $first" }
    val summary = (first as SyncState.Done).summary
    check(summary.acknowledged == 25uL) { "acknowledged ${summary.acknowledged}" }
    check(summary.refused == 0uL) { "refused ${summary.refused}" }
    check(roster.pending.value == 0L) { "pending after sync ${roster.pending.value}" }
    check(roster.lastSyncMs.value != null) { "no last sync time" }
    step("synced: ${summary.acknowledged} acknowledged in ${summary.roundTrips} round trip(s), ${summary.bytesUp} B up, ${summary.bytesDown} B down")

    // 5. A supervisor verifies one volunteer on the server, over HTTP.
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

    // 6. Sync again and read the verification back.
    roster.sync()
    val second = roster.sync.value
    check(second is SyncState.Done && second.summary.received >= 1uL) { "second sync: $second" }
    val detail = repository.volunteer(chosen)
    check(detail.status == VolunteerStatus.Verified) { "status on the phone ${detail.status}" }
    check(detail.reviewedBy == supervisor.badge) { "reviewed by ${detail.reviewedBy}" }
    check(detail.nameLatin == volunteerForm(enrolment.form.value, 7).nameLatin) { "name ${detail.nameLatin}" }
    check(repository.quota().verified == 1u) { "verified count ${repository.quota().verified}" }
    check(roster.rows.value.single { it.volunteerId == chosen }.status == "verified") { "list status" }
    step("synced again: $chosen reads back ${detail.status::class.simpleName} by ${detail.reviewedBy}; my quota verified ${repository.quota().verified}")

    // 7. The volunteer's history on the phone: enrolled by the constable, reviewed by the supervisor.
    val history = repository.history(chosen)
    check(history.map { it.action to it.badge } == listOf(ChangeAction.ENROL to "CG-001", ChangeAction.REVIEW to supervisor.badge)) {
        "history ${history.map { "${it.action} by ${it.badge} on ${it.device}" }}"
    }
    check(history[0].device == repository.profile.registration.deviceId) { "enrolled on ${history[0].device}" }
    // Field by field: the phone opened with the key this phone holds, the review as written.
    val enrolledPhone = history[0].fields.single { it.field == "phone" }.shown
    check(enrolledPhone == FieldShown.Opened("+91" + volunteerForm(enrolment.form.value, 7).phone)) {
        "the enrolment's phone shows $enrolledPhone"
    }
    val review = history[1].fields.single { it.field == "review" }.shown
    check(review is FieldShown.Value && review.text.contains("\"verified\"") && review.text.contains(supervisor.badge)) {
        "the review wrote $review"
    }
    step("history of $chosen: ${history.joinToString { "${it.action} by ${it.badge} (${it.fields.size} fields)" }}")

    // A minor, with a guardian's consent.
    val minor = repository.enrol(volunteerForm(enrolment.form.value, 97).copy(
        ageYears = 15u, guardianName = "सुरेश साहू", guardianRelation = "पिता", guardianPhone = "9827011111",
        guardianConsentGiven = true,
    ))
    check(repository.volunteer(minor.volunteerId).ageYears == 15u) { "the minor's age" }
    step("a 15-year-old enrolled with her father's consent (${minor.volunteerId})")

    // 8. The in-charge rejects an entry; the phone shows why, the constable corrects it and
    // resubmits, and the in-charge verifies it.
    val corrected = ids[3]
    api.request("POST", "/v1/volunteers/$corrected/reject", supervisor.credential, "application/json",
        "{\"reason\":\"गाँव गलत लिखा है\"}".toByteArray())
    repository.sync()
    val rejected = repository.volunteer(corrected).status
    check(rejected is VolunteerStatus.Rejected && rejected.reason == "गाँव गलत लिखा है") { "rejection on the phone: $rejected" }
    repository.edit(corrected, VolunteerEdit(household = "मकान नं. 44, वार्ड 3"))
    val resubmitted = repository.sync()
    check(resubmitted.acknowledged >= 1uL && resubmitted.refusedChanges.isEmpty()) { "resubmission: $resubmitted" }
    api.request("POST", "/v1/volunteers/$corrected/verify", supervisor.credential, null, null)
    repository.sync()
    check(repository.volunteer(corrected).status == VolunteerStatus.Verified) { "verified after the correction" }
    step("rejected with a reason shown on the phone, corrected by the constable, resubmitted and verified")

    // 9. A withdrawal erases the person's details on the phone, and reaches the server.
    val leaving = ids[4]
    repository.withdraw(leaving)
    val gone = repository.volunteer(leaving)
    check(gone.status == VolunteerStatus.Withdrawn && gone.nameDevanagari == null && gone.phone == null) { "withdrawn: $gone" }
    repository.sync()
    @Suppress("UNCHECKED_CAST")
    val onServer = Json.parse(api.request("GET", "/v1/volunteer-record?volunteer=$leaving", supervisor.credential, null, null)
        .toString(Charsets.UTF_8)) as Map<String, Any?>
    check(onServer["status"] == "withdrawn" && onServer["phone"] == null) { "the server holds $onServer" }
    step("a withdrawal erased $leaving's name and number on the phone and, after the sync, on the server")

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
        check(reopened.quota().counted == 25u) { "reopened quota ${reopened.quota()}" }
    }
    step("the store refuses a wrong key (ApiException.Storage) and reopens with its own")

    restoredFromBackup(dir, vault, year, enrolment.form.value, options.getValue("recovery-code"))
    println("JVM run passed: 25 enrolled, bad forms refused field by field, a minor with a guardian, a rejection corrected and verified, a withdrawal erased, a restored phone recovered")
}

/**
 * 8. The phone's folder is backed up; the phone enrols and syncs; the backup is restored on
 * another phone, which enrols and syncs: refused as `actor_reused`, the repository
 * re-registers with the credential and the enrolment lands. The original phone's credential
 * is now spent: its sync stops at [SyncState.NeedsCode] and a code from the in-charge brings
 * it back, with its unsynced enrolment.
 */
fun restoredFromBackup(dir: File, vault: FileStoreKeyVault, year: Int, base: EnrolmentForm, code: String) {
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
        val roster = RosterViewModel(original, Work.INLINE)
        roster.sync()
        check(roster.sync.value == SyncState.NeedsCode) { "the spent credential synced: ${roster.sync.value}" }
        check(original.pendingSyncCount() == 1L) { "waiting on the original ${original.pendingSyncCount()}" }
        roster.recover(code)
        val recovered = roster.sync.value
        check(recovered is SyncState.Done && recovered.summary.reissued == 1uL) { "recovery with a code: $recovered" }
        check(original.pendingSyncCount() == 0L) { "still waiting ${original.pendingSyncCount()}" }
        step("the original phone, its credential spent, asks for a code (${Messages.needsCode(org.mitan.shared.Language.ENGLISH)}); with it, $waiting reaches the server")
    }
}

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
    val base = EnrolmentForm(
        "", "", "", "", null, null, "", "", "BSP-PS-KONI-B01", "BSP-PS-KONI", listOf("cyber_mitan"), "",
        false, "hi", 1u, "", "", "", false,
    )
    for (index in 0 until warmup) device.enrol(volunteerForm(base, index))
    val times = LongArray(count)
    for (index in 0 until count) {
        val form = volunteerForm(base, warmup + index)
        val start = System.nanoTime()
        device.enrol(form)
        times[index] = System.nanoTime() - start
    }
    device.close()
    times.sort()
    println("kotlin_ffi_enrol count=$count median_us=${times[count / 2] / 1000} p90_us=${times[count * 9 / 10] / 1000}")
}
