<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="id_ID">
  <context>
    <name>ktpe</name>
    <message>
      <location filename="../../ktpe_desktop/ui/app.py" line="141" />
      <source>Menyiapkan demo…</source>
      <translation>Preparing the demo…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/app.py" line="159" />
      <source>Server demo berjalan di {url}</source>
      <translation>Demo server running at {url}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/crash.py" line="70" />
      <source>Terjadi kesalahan</source>
      <translation>Something went wrong</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/crash.py" line="74" />
      <source>Terjadi kesalahan yang tidak terduga. Data yang sudah tersimpan aman.
Salin laporan di bawah ini dan kirimkan ke admin kantor. Laporan ini tidak berisi data pribadi siswa.</source>
      <translation>An unexpected error happened. Data already saved is safe.
Copy the report below and send it to the office admin. The report holds no personal data of students.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/crash.py" line="88" />
      <source>Salin laporan</source>
      <translation>Copy report</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/crash.py" line="90" />
      <source>Tutup</source>
      <translation>Close</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/crash.py" line="97" />
      <source>Tersalin</source>
      <translation>Copied</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/crash.py" line="122" />
      <source>Tidak berhasil</source>
      <translation>Not done</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/about.py" line="24" />
      <source>Tentang</source>
      <translation>About</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/about.py" line="26" />
      <source>Versi</source>
      <translation>Version</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/about.py" line="29" />
      <source>Perekaman KTP-el pemilih pemula di sekolah, untuk tim jemput bola Dispendukcapil Kota Malang. Bekerja tanpa jaringan; data di laptop disandikan.</source>
      <translation>KTP-el recording of first-time voters at schools, for the mobile teams of Dispendukcapil Kota Malang. Works without a network; data on the laptop is encrypted.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/about.py" line="37" />
      <source>Folder data:</source>
      <translation>Data folder:</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/about.py" line="39" />
      <source>Perangkat:</source>
      <translation>Device:</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/add_user.py" line="24" />
      <source>Tambah pengguna</source>
      <translation>Add user</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/add_user.py" line="30" />
      <source>Petugas</source>
      <translation>Operator</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/add_user.py" line="31" />
      <source>Koordinator</source>
      <translation>Team lead</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/add_user.py" line="35" />
      <source>Nama lengkap</source>
      <translation>Full name</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/add_user.py" line="36" />
      <source>Nama pengguna</source>
      <translation>User name</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/add_user.py" line="37" />
      <source>Peran</source>
      <translation>Role</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/add_user.py" line="38" />
      <source>Kata sandi</source>
      <translation>Password</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/anomalies.py" line="32" />
      <source>Anomali</source>
      <translation>Anomalies</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/anomalies.py" line="36" />
      <source>Data yang saling bertentangan (mis. terekam di dua laptop). Tidak ada yang ditimpa diam-diam: periksa riwayat siswa, lalu batalkan hasil yang salah.</source>
      <translation>Contradicting data (e.g. recorded on two laptops). Nothing is silently overwritten: check the student's history, then undo the wrong outcome.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/anomalies.py" line="55" />
      <source>Lihat riwayat (Enter)</source>
      <translation>Show history (Enter)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/anomalies.py" line="57" />
      <source>Tutup (Esc)</source>
      <translation>Close (Esc)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/anomalies.py" line="68" />
      <source>Tidak ada anomali.</source>
      <translation>No anomalies.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/history.py" line="41" />
      <source>Riwayat: {name}</source>
      <translation>History: {name}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/history.py" line="57" />
      <source>Batalkan kejadian terpilih… (Del)</source>
      <translation>Undo the selected event… (Del)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/history.py" line="73" />
      <source>Kelas {c}</source>
      <translation>Class {c}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/history.py" line="94" />
      <source>Kejadian ini tidak dapat dibatalkan.</source>
      <translation>This event cannot be undone.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="136" />
      <source>Baris</source>
      <translation>Row</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="136" />
      <source>Keadaan</source>
      <translation>State</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="136" />
      <source>Nama</source>
      <translation>Name</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="136" />
      <source>Rencana</source>
      <translation>Plan</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="137" />
      <source>L/P</source>
      <translation>M/F</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="137" />
      <source>NIK</source>
      <translation>NIK</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="137" />
      <source>NISN</source>
      <translation>NISN</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="137" />
      <source>Tgl lahir</source>
      <translation>Birth date</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="138" />
      <source>Kelas</source>
      <translation>Class</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="145" />
      <source>Berubah</source>
      <translation>Changed</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="146" />
      <source>Tetap</source>
      <translation>Unchanged</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="147" />
      <source>Dilewati</source>
      <translation>Skipped</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="155" />
      <source>Siap</source>
      <translation>Ready</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="170" />
      <source>Ditahan</source>
      <translation>Held back</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="170" />
      <source>Tidak diimpor</source>
      <translation>Not imported</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="187" />
      <source>Kolom</source>
      <translation>Column</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="187" />
      <source>Pesan</source>
      <translation>Message</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="187" />
      <source>Tingkat</source>
      <translation>Level</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="191" />
      <source>Kesalahan</source>
      <translation>Error</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="192" />
      <source>Peringatan</source>
      <translation>Warning</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="193" />
      <source>Info</source>
      <translation>Info</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="210" />
      <source>Data</source>
      <translation>Data</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="210" />
      <source>Lama</source>
      <translation>Old</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="211" />
      <source>Baru</source>
      <translation>New</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="279" />
      <source>Impor Daftar Siswa</source>
      <translation>Import Student Roster</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="286" />
      <source>Pilih ekspor Dapodik (.xlsx) atau berkas CSV daftar siswa</source>
      <translation>Choose a Dapodik export (.xlsx) or a CSV roster file</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="288" />
      <source>&amp;Pilih Berkas…</source>
      <translation>&amp;Choose File…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="291" />
      <source>Berkas:</source>
      <translation>File:</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="295" />
      <source>Belum ada berkas dipilih.</source>
      <translation>No file chosen yet.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="309" />
      <source>Data Siswa</source>
      <translation>Students</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="310" />
      <source>Laporan</source>
      <translation>Report</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="311" />
      <source>Perubahan</source>
      <translation>Changes</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="313" />
      <source>Simpan &amp;Laporan…</source>
      <translation>Save &amp;Report…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="315" />
      <source>&amp;Impor</source>
      <translation>&amp;Import</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="318" />
      <source>&amp;Tutup</source>
      <translation>&amp;Close</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="332" />
      <source>{name} (NPSN {npsn}) belum ada di laptop ini. Sekolah ini ditambahkan bersama daftar siswanya saat Anda menekan Impor.</source>
      <translation>{name} (NPSN {npsn}) is not on this laptop yet. The school is added together with its roster when you press Import.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="357" />
      <source>Pilih berkas daftar siswa</source>
      <translation>Choose a roster file</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="359" />
      <source>Daftar siswa (*.xlsx *.xlsm *.csv *.txt);;Semua berkas (*)</source>
      <translation>Student rosters (*.xlsx *.xlsm *.csv *.txt);;All files (*)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="369" />
      <source>Membaca berkas…</source>
      <translation>Reading the file…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="385" />
      <source>Menyimpan…</source>
      <translation>Saving…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="404" />
      <source>Laporan berisi data pribadi</source>
      <translation>The report holds personal data</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="412" />
      <source>CSV (*.csv)</source>
      <translation>CSV (*.csv)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="412" />
      <source>Simpan laporan impor</source>
      <translation>Save the import report</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="420" />
      <source>Laporan disimpan ke {path}</source>
      <translation>Report saved to {path}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="437" />
      <source>lembar '{0}'</source>
      <translation>sheet '{0}'</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="439" />
      <source>CSV</source>
      <translation>CSV</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="442" />
      <source>{0} baris siswa ({1}, judul kolom di baris {2}): {3} siap, {4} ditahan karena kesalahan. {5} kesalahan, {6} peringatan.
Rencana impor: {7} siswa baru, {8} berubah, {9} tetap, {10} tidak ada di berkas (tidak dihapus), {11} dilewati.</source>
      <translation>{0} student rows ({1}, column titles on row {2}): {3} ready, {4} held back for errors. {5} errors, {6} warnings.
Import plan: {7} new students, {8} changed, {9} unchanged, {10} not in the file (not deleted), {11} skipped.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="456" />
      <source>Kolom dipakai: {0}. Kolom lain ({1}) diabaikan.</source>
      <translation>Columns used: {0}. Other columns ({1}) ignored.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="461" />
      <source>Data Siswa ({0})</source>
      <translation>Students ({0})</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="462" />
      <source>Laporan ({0} kesalahan, {1} peringatan)</source>
      <translation>Report ({0} errors, {1} warnings)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="464" />
      <source>Perubahan ({0})</source>
      <translation>Changes ({0})</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="476" />
      <source>Impor selesai: {0} siswa baru, {1} dikoreksi. Baris yang ditahan tidak diimpor; perbaiki berkasnya lalu impor lagi.</source>
      <translation>Import done: {0} new students, {1} corrected. Rows held back were not imported; fix the file and import again.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/import_roster.py" line="481" />
      <source>Sekolah ditambahkan ke laptop ini.</source>
      <translation>The school was added to this laptop.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="62" />
      <source>Terekam</source>
      <translation>Recorded</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="64" />
      <source>Sudah Terekam Sebelumnya</source>
      <translation>Already recorded before</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="66" />
      <source>Tidak Hadir</source>
      <translation>Absent</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="67" />
      <source>Belum Cukup Umur</source>
      <translation>Under age</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="68" />
      <source>Gagal Rekam…</source>
      <translation>Recording failed…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="69" />
      <source>Aktivasi IKD</source>
      <translation>IKD activation</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="83" />
      <source>Catat hasil perekaman</source>
      <translation>Record the outcome</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="115" />
      <source>Tgl Lahir (umur)</source>
      <translation>Birth date (age)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="117" />
      <source>Status saat ini</source>
      <translation>Current status</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="152" />
      <source>Alasan gagal rekam (↑/↓ lalu Enter):</source>
      <translation>Reason for the failure (↑/↓ then Enter):</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="163" />
      <source>&amp;Catatan (opsional):</source>
      <translation>&amp;Note (optional):</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="167" />
      <source>mis. KK dibawa besok</source>
      <translation>e.g. will bring the KK tomorrow</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="183" />
      <source>Batal (Esc)</source>
      <translation>Cancel (Esc)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="186" />
      <source>Simpan (Enter)</source>
      <translation>Save (Enter)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="240" />
      <source>Ada siswa lain yang namanya sama cocoknya dengan pencarian. Pastikan ini siswa yang dimaksud: simpan perlu ditekan dua kali.</source>
      <translation>Another student matches the search just as well. Make sure this is the student you mean: saving needs a second press.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="253" />
      <source>({n} th; {m} th saat pemungutan suara)</source>
      <translation>({n} y; {m} y on voting day)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="260" />
      <source>Belum cukup umur: {age} tahun. Perekaman boleh mulai {day} (usia {min} tahun). Disarankan: Belum Cukup Umur (F4).</source>
      <translation>Under age: {age} years. Recording allowed from {day} (age {min}). Suggested: Under age (F4).</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="271" />
      <source>Boleh direkam, tetapi baru berusia {age} tahun pada hari pemungutan suara {day} (pemilih: {n} tahun).</source>
      <translation>May be recorded, but is only {age} on voting day, {day} (voters: {n}).</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="289" />
      <source>stasiun {n}</source>
      <translation>station {n}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="291" />
      <source>perangkat {id}</source>
      <translation>device {id}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="294" />
      <source>Sudah dicatat {status} di {station} ({operator}) pukul {time}.</source>
      <translation>Already recorded as {status} at {station} ({operator}) at {time}.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="302" />
      <source>Siswa ini sudah berstatus {status}. Enter tidak menyimpan apa pun; tekan tombol hasil bila memang perlu, atau batalkan hasil lama lewat Riwayat (Ctrl+H).</source>
      <translation>This student's status is already {status}. Enter saves nothing; press an outcome key if really needed, or undo the old outcome from the history (Ctrl+H).</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="309" />
      <source>Perhatian: siswa ini terdaftar di sekolah lain.</source>
      <translation>Note: this student belongs to another school.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="321" />
      <source>Pilih hasil dengan F1–F6 · Esc untuk batal</source>
      <translation>Choose the outcome with F1–F6 · Esc cancels</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="324" />
      <source>Enter = {outcome} · F1–F6 memilih hasil · Esc untuk batal</source>
      <translation>Enter = {outcome} · F1–F6 choose the outcome · Esc cancels</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="364" />
      <source>Siswa ini belum direkam. Aktivasi IKD tanpa perekaman menjadi anomali: tekan F6 sekali lagi bila memang benar, atau pilih hasil lain.</source>
      <translation>This student is not recorded yet. IKD activation without a recording becomes an anomaly: press F6 once more if that is right, or choose another outcome.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="375" />
      <source>Pilih alasan dengan ↑/↓ lalu tekan Enter</source>
      <translation>Choose the reason with ↑/↓ then press Enter</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="415" />
      <source>Pindaian tidak terbaca lengkap: tidak ada yang disimpan. Pindai ulang kartu.</source>
      <translation>The scan was not read completely: nothing was saved. Scan the card again.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="435" />
      <source>Benar {name}? Tekan sekali lagi untuk menyimpan {outcome}.</source>
      <translation>Is this {name}? Press once more to save {outcome}.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/outcome.py" line="475" />
      <source>Tidak tersimpan: terjadi kesalahan.</source>
      <translation>Not saved: an error happened.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/paper_settings.py" line="59" />
      <source>Kop surat dan penanda tangan</source>
      <translation>Letterhead and signers</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/paper_settings.py" line="63" />
      <source>Laptop ini belum punya kop surat untuk Berita Acara. Periksa isian di bawah (sudah diisi untuk Dispendukcapil Kota Malang) lalu simpan; Berita Acara tidak dicetak tanpa kop surat.</source>
      <translation>This laptop has no letterhead for the Berita Acara yet. Check the fields below (filled in for Dispendukcapil Kota Malang) and save; no Berita Acara is printed without a letterhead.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/paper_settings.py" line="73" />
      <source>Kop surat</source>
      <translation>Letterhead</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/paper_settings.py" line="78" />
      <source>Pemerintah daerah</source>
      <translation>Local government</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/paper_settings.py" line="79" />
      <source>Nama dinas</source>
      <translation>Office name</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/paper_settings.py" line="80" />
      <source>Alamat kantor</source>
      <translation>Office address</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/paper_settings.py" line="89" />
      <source>Penanda tangan (PIHAK PERTAMA): Anda</source>
      <translation>Signer (PIHAK PERTAMA): you</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/paper_settings.py" line="91" />
      <source>Nama lengkap dan gelar</source>
      <translation>Full name and titles</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/paper_settings.py" line="92" />
      <source>NIP (18 angka)</source>
      <translation>NIP (18 digits)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/paper_settings.py" line="101" />
      <source>Kepala sekolah (PIHAK KEDUA): {school}</source>
      <translation>Principal (PIHAK KEDUA): {school}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/paper_settings.py" line="105" />
      <source>NIP (kosongkan bila tidak ada)</source>
      <translation>NIP (leave empty when there is none)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/quarantine.py" line="36" />
      <source>Masalah sinkron</source>
      <translation>Sync problems</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/quarantine.py" line="40" />
      <source>Kejadian berikut ditolak server dan disimpan terpisah (karantina). Datanya tetap aman di laptop ini. Ekspor daftarnya untuk admin kantor; setelah masalahnya diperbaiki, kirim ulang.</source>
      <translation>The server refused these events; they are kept apart (quarantine). The data stays safe on this laptop. Export the list for the office admin; once the cause is fixed, send them again.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/quarantine.py" line="59" />
      <source>Kirim ulang semua</source>
      <translation>Send all again</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/quarantine.py" line="62" />
      <source>Ekspor daftar (CSV)…</source>
      <translation>Export the list (CSV)…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/quarantine.py" line="82" />
      <source>Tidak ada kejadian yang ditolak server.</source>
      <translation>The server refused no events.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/quarantine.py" line="90" />
      <source>{n} kejadian masuk antrean lagi; akan dikirim pada sinkron berikutnya.</source>
      <translation>{n} events queued again; they go out with the next sync.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/quarantine.py" line="98" />
      <source>Ekspor masalah sinkron</source>
      <translation>Export sync problems</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/quarantine.py" line="106" />
      <source>{n} baris diekspor ke {file}.</source>
      <translation>{n} rows exported to {file}.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="95" />
      <source>Pilih Sekolah</source>
      <translation>Choose School</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="100" />
      <source>Sekolah mana yang daftar siswanya diimpor?</source>
      <translation>Which school's roster are you importing?</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="103" />
      <source>Ketik sebagian nama sekolah atau NPSN, lalu Enter. Sekolah yang belum ada di laptop ini ditambahkan bersama daftar siswanya.</source>
      <translation>Type part of the school's name or its NPSN, then Enter. A school not yet on this laptop is added together with its roster.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="113" />
      <source>Cari nama sekolah atau NPSN…</source>
      <translation>Search school name or NPSN…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="125" />
      <source>{name} ({npsn}) — sudah di laptop ini</source>
      <translation>{name} ({npsn}) — already on this laptop</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="142" />
      <source>NPSN lain…</source>
      <translation>Other NPSN…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="146" />
      <source>Sekolah yang tidak ada di daftar: ketik NPSN dan namanya</source>
      <translation>A school not in the list: type its NPSN and name</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="153" />
      <source>8 digit, mis. 20533660</source>
      <translation>8 digits, e.g. 20533660</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="157" />
      <source>mis. SMA HARAPAN BANGSA</source>
      <translation>e.g. SMA HARAPAN BANGSA</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="159" />
      <source>NPSN</source>
      <translation>NPSN</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="160" />
      <source>Nama sekolah</source>
      <translation>School name</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="169" />
      <source>Lanjut: pilih berkas (Enter)</source>
      <translation>Next: choose file (Enter)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="246" />
      <source>Tidak ada sekolah yang cocok. Pakai "NPSN lain…" untuk sekolah di luar daftar.</source>
      <translation>No matching school. Use "Other NPSN…" for a school outside the list.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="249" />
      <source>{n} sekolah</source>
      <translation>{n} schools</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="323" />
      <source>NPSN {npsn} tidak ada di daftar sekolah. Isi nama sekolahnya.</source>
      <translation>NPSN {npsn} is not in the school list. Enter the school's name.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/school_chooser.py" line="348" />
      <source>Pilih sekolah dari daftar, atau pakai "NPSN lain…".</source>
      <translation>Choose a school from the list, or use "Other NPSN…".</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/settings_dialog.py" line="28" />
      <source>Pengaturan</source>
      <translation>Settings</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="36" />
      <source>No. KK</source>
      <translation>Family card no.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="38" />
      <source>Tempat lahir</source>
      <translation>Place of birth</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="41" />
      <source>Nama ibu</source>
      <translation>Mother's name</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="72" />
      <source>Koreksi data siswa</source>
      <translation>Correct student details</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="72" />
      <source>Tambah siswa</source>
      <translation>Add student</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="75" />
      <source>Ubah data yang salah. Perubahan dicatat dan dikirim ke server.</source>
      <translation>Change what is wrong. Changes are logged and sent to the server.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="77" />
      <source>Siswa yang hadir tetapi tidak ada di daftar. Nama wajib; NIK dan NISN diperiksa saat diketik.</source>
      <translation>A student who is here but not on the roster. The name is required; NIK and NISN are checked as you type.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="95" />
      <source>L (laki-laki)</source>
      <translation>L (male)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="96" />
      <source>P (perempuan)</source>
      <translation>F (female)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="150" />
      <source>&amp;Buka siswa itu (Enter)</source>
      <translation>&amp;Open that student (Enter)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="154" />
      <source>Tetap simpan sebagai siswa baru (Koordinator), alasan:</source>
      <translation>Save as a new student anyway (lead), reason:</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="172" />
      <source>Simpan (Ctrl+Enter)</source>
      <translation>Save (Ctrl+Enter)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/student_form.py" line="308" />
      <source>Tidak ada data yang diubah.</source>
      <translation>Nothing was changed.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/void.py" line="25" />
      <source>Batalkan hasil</source>
      <translation>Undo outcome</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/void.py" line="28" />
      <source>Batalkan "{kind}" untuk {name} ({time})?
Hasil lama tetap tercatat di riwayat.</source>
      <translation>Undo "{kind}" for {name} ({time})?
The old outcome stays in the history.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/void.py" line="40" />
      <source>Alasan pembatalan (wajib), mis. salah pilih siswa</source>
      <translation>Reason for the undo (required), e.g. wrong student</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/dialogs/void.py" line="46" />
      <source>Kembali (Esc)</source>
      <translation>Back (Esc)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="89" />
      <source>Hub: terhubung ({station})</source>
      <translation>Hub: connected ({station})</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="93" />
      <source>Hub: tidak terjangkau — tetap bekerja luring</source>
      <translation>Hub: unreachable — still working offline</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="105" />
      <source>Hub sekolah</source>
      <translation>School hub</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="111" />
      <source>Jadikan laptop ini hub sekolah</source>
      <translation>Make this laptop the school hub</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="114" />
      <source>Laptop lain dari tim yang sama bergabung lewat jaringan lokal (router, hotspot ponsel atau kabel), tanpa internet. Tunjukkan kode pasangan ini kepada mereka.</source>
      <translation>Other laptops of the same team join over the local network (router, phone hotspot or cable), without internet. Show them this pairing code.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="140" />
      <source>Kode baru</source>
      <translation>New code</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="149" />
      <source>Hanya Koordinator yang dapat menjadikan laptop ini hub.</source>
      <translation>Only the team lead can make this laptop the hub.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="154" />
      <source>Gabung ke hub sekolah</source>
      <translation>Join a school hub</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="161" />
      <source>Cari hub di jaringan</source>
      <translation>Find hubs on the network</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="170" />
      <source>&amp;Alamat hub:</source>
      <translation>Hub &amp;address:</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="175" />
      <source>&amp;Kode pasangan:</source>
      <translation>Pairing &amp;code:</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="179" />
      <source>mis. Meja 2 (opsional)</source>
      <translation>e.g. Desk 2 (optional)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="180" />
      <source>Nama &amp;stasiun:</source>
      <translation>&amp;Station name:</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="182" />
      <source>Gabung</source>
      <translation>Join</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="185" />
      <source>Keluar dari hub</source>
      <translation>Leave the hub</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="224" />
      <source>Alamat: {addresses}
Sidik jari sertifikat: {fp}</source>
      <translation>Address: {addresses}
Certificate fingerprint: {fp}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="233" />
      <source>Stasiun {n}</source>
      <translation>Station {n}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="235" />
      <source>(hub ini)</source>
      <translation>(this hub)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="237" />
      <source>Hentikan hub</source>
      <translation>Stop the hub</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="241" />
      <source>Hub belum aktif: port jaringan tertutup.</source>
      <translation>The hub is not running: its network port is closed.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="243" />
      <source>Jadikan hub sekolah</source>
      <translation>Make school hub</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="247" />
      <source>Laptop ini belum bergabung dengan hub.</source>
      <translation>This laptop has not joined a hub.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="250" />
      <source>Tergabung sebagai stasiun {n} ({url}).</source>
      <translation>Joined as station {n} ({url}).</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="280" />
      <source>Mencari…</source>
      <translation>Searching…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="286" />
      <source>Hub {team} di {address}</source>
      <translation>Hub {team} at {address}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="292" />
      <source>Tidak ada hub yang terlihat. Ketik alamat yang tampil di layar hub.</source>
      <translation>No hub is visible. Type the address shown on the hub's screen.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/hub_page.py" line="317" />
      <source>Bergabung dengan hub sebagai stasiun {n}.</source>
      <translation>Joined the hub as station {n}.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="18" />
      <source>Belum</source>
      <translation>Pending</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="23" />
      <source>Gagal Rekam</source>
      <translation>Recording failed</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="44" />
      <source>Siswa ditambahkan</source>
      <translation>Student added</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="45" />
      <source>Data dikoreksi</source>
      <translation>Details corrected</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="46" />
      <source>Dibatalkan</source>
      <translation>Undone</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="50" />
      <source>Tidak ada KK</source>
      <translation>No family card (KK)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="51" />
      <source>Data tidak sesuai</source>
      <translation>Data mismatch</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="52" />
      <source>SIAK luring</source>
      <translation>SIAK offline</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="53" />
      <source>Perangkat bermasalah</source>
      <translation>Device problem</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="54" />
      <source>Lainnya</source>
      <translation>Other</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="58" />
      <source>Belum cukup umur</source>
      <translation>Under age</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="59" />
      <source>Bukan penduduk Kota Malang</source>
      <translation>Not a resident of Kota Malang</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="66" />
      <source>Terekam dua kali</source>
      <translation>Recorded twice</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="67" />
      <source>Terekam tetapi juga ditandai belum cukup umur</source>
      <translation>Recorded but also marked under age</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="68" />
      <source>Terekam dan juga sudah terekam sebelumnya</source>
      <translation>Recorded and also already recorded before</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="69" />
      <source>Aktivasi IKD tanpa perekaman</source>
      <translation>IKD activated without a recording</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="70" />
      <source>Pembatalan atas pembatalan</source>
      <translation>Undo of an undo</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="71" />
      <source>Pembatalan untuk siswa lain</source>
      <translation>Undo for another student</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/labels.py" line="72" />
      <source>Siswa baru dengan NISN/NIK milik siswa lain</source>
      <translation>New student with another student's NISN/NIK</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="73" />
      <source>KTP-el Jemput Bola</source>
      <translation>KTP-el Jemput Bola</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="74" />
      <source>Dispendukcapil Kota Malang · perekaman KTP-el pemilih pemula di sekolah</source>
      <translation>Dispendukcapil Kota Malang · KTP-el recording of first-time voters at schools</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="98" />
      <source>Pen&amp;gguna</source>
      <translation>&amp;User</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="100" />
      <source>Kata san&amp;di</source>
      <translation>&amp;Password</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="111" />
      <source>Masuk (Enter)</source>
      <translation>Log in (Enter)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="145" />
      <source>Layar terkunci karena tidak ada aktivitas. Data tetap aman.
Masuk lagi, atau pilih petugas lain.</source>
      <translation>The screen locked after a while without activity. The data is safe.
Log in again, or choose another operator.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="158" />
      <source>Mode demo — semua data siswa rekaan (fiktif), bukan data asli.
Koordinator: {user} · Kata sandi: {password}
Petugas: {operator} · Kata sandi: {operator_password}</source>
      <translation>Demo mode — every student is fictitious, not real data.
Lead: {user} · Password: {password}
Operator: {operator} · Password: {operator_password}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="174" />
      <source>Memeriksa…</source>
      <translation>Checking…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="196" />
      <source>Tunggu {n} detik</source>
      <translation>Wait {n} seconds</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="219" />
      <source>Ketik kata sandi.</source>
      <translation>Type the password.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="247" />
      <source>Selamat datang</source>
      <translation>Welcome</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="248" />
      <source>Laptop ini belum disiapkan. Buat akun Koordinator (ketua tim) untuk laptop ini. Semua data di laptop disandikan dengan kata sandi ini.</source>
      <translation>This laptop is not set up yet. Create the team lead (Koordinator) account for it. All data on the laptop is encrypted with this password.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="258" />
      <source>mis. Siti Rahayu</source>
      <translation>e.g. Siti Rahayu</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="272" />
      <source>Ulangi kata sandi</source>
      <translation>Repeat the password</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="275" />
      <source>Minimal {n} karakter. Lebih panjang lebih baik; campur huruf, angka, dan tanda baca.</source>
      <translation>At least {n} characters. Longer is better; mix letters, digits and punctuation.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="288" />
      <source>Buat akun (Enter)</source>
      <translation>Create account (Enter)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="306" />
      <source>Nama pengguna wajib diisi.</source>
      <translation>The user name is required.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="308" />
      <source>Kata sandi minimal {n} karakter.</source>
      <translation>The password needs at least {n} characters.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="312" />
      <source>Kedua kata sandi tidak sama.</source>
      <translation>The two passwords differ.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="335" />
      <source>Hubungkan ke server kantor</source>
      <translation>Connect to the office server</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="336" />
      <source>Masukkan alamat server dan kode pendaftaran dari admin kantor. Tanpa jaringan? Mulai luring dan impor daftar siswa dari berkas; laptop dapat didaftarkan nanti.</source>
      <translation>Enter the server address and the enrolment code from the office admin. No network? Start offline and import the roster from a file; the laptop can be enrolled later.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="350" />
      <source>mis. ABCD-EFGH-JKLM</source>
      <translation>e.g. ABCD-EFGH-JKLM</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="353" />
      <source>(opsional) sertifikat CA kantor</source>
      <translation>(optional) the office CA certificate</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="354" />
      <source>Pilih…</source>
      <translation>Choose…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="358" />
      <source>Alamat server</source>
      <translation>Server address</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="359" />
      <source>Kode pendaftaran</source>
      <translation>Enrolment code</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="360" />
      <source>Berkas CA</source>
      <translation>CA file</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="367" />
      <source>Mulai luring</source>
      <translation>Start offline</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="369" />
      <source>Impor daftar siswa…</source>
      <translation>Import roster…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="370" />
      <source>Daftarkan laptop</source>
      <translation>Enrol laptop</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="386" />
      <source>Pilih sertifikat CA</source>
      <translation>Choose the CA certificate</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="386" />
      <source>Sertifikat (*.pem *.crt);;Semua berkas (*)</source>
      <translation>Certificates (*.pem *.crt);;All files (*)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="394" />
      <source>Isi alamat server dan kode pendaftaran.</source>
      <translation>Enter the server address and the enrolment code.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/login.py" line="397" />
      <source>Menghubungi server…</source>
      <translation>Contacting the server…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="171" />
      <source>&amp;Berkas</source>
      <translation>&amp;File</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="173" />
      <source>Impor daftar siswa sekolah lain…</source>
      <translation>Import roster of another school…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="174" />
      <source>Impor daftar belum rekam SIAK…</source>
      <translation>Import SIAK not-yet-recorded list…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="175" />
      <source>Daftarkan ke server…</source>
      <translation>Enrol with a server…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="179" />
      <source>Cetak Berita Acara…</source>
      <translation>Print Berita Acara…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="185" />
      <source>Simpan Berita Acara (PDF)…</source>
      <translation>Save Berita Acara (PDF)…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="191" />
      <source>Cetak Rekapitulasi Harian…</source>
      <translation>Print Daily Summary…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="197" />
      <source>Simpan Rekapitulasi Harian (PDF)…</source>
      <translation>Save Daily Summary (PDF)…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="203" />
      <source>Simpan Daftar Hadir per Rombel (PDF)…</source>
      <translation>Save attendance list per class (PDF)…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="209" />
      <source>Simpan Daftar Hadir dengan hasil (PDF)…</source>
      <translation>Save attendance list with outcomes (PDF)…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="215" />
      <source>Simpan Rekapitulasi Tim (PDF)…</source>
      <translation>Save team recap (PDF)…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="219" />
      <source>Ekspor…</source>
      <translation>Export…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="221" />
      <source>Kunci layar</source>
      <translation>Lock screen</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="222" />
      <source>Ganti petugas</source>
      <translation>Switch operator</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="223" />
      <source>Keluar</source>
      <translation>Quit</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="225" />
      <source>&amp;Siswa</source>
      <translation>&amp;Student</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="226" />
      <source>Cari siswa</source>
      <translation>Find student</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="227" />
      <source>Catat hasil (Enter)</source>
      <translation>Record outcome (Enter)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="229" />
      <source>Tambah siswa (tidak ada di daftar)…</source>
      <translation>Add student (not on the roster)…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="232" />
      <source>Koreksi data siswa…</source>
      <translation>Correct student details…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="234" />
      <source>Riwayat siswa…</source>
      <translation>Student history…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="235" />
      <source>Batalkan hasil terakhir saya…</source>
      <translation>Undo my last outcome…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="237" />
      <source>Tampilkan NIK lengkap</source>
      <translation>Show the full NIK</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="240" />
      <source>&amp;Tampilan</source>
      <translation>&amp;View</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="241" />
      <source>Hari ini</source>
      <translation>Today</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="242" />
      <source>Daftar Siswa</source>
      <translation>Roster</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="244" />
      <source>Sin&amp;kron</source>
      <translation>S&amp;ync</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="245" />
      <source>Sinkronkan</source>
      <translation>Sync now</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="246" />
      <source>Masalah sinkron…</source>
      <translation>Sync problems…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="247" />
      <source>Anomali…</source>
      <translation>Anomalies…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="248" />
      <source>Hub sekolah…</source>
      <translation>School hub…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="250" />
      <source>&amp;Pengaturan</source>
      <translation>S&amp;ettings</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="251" />
      <source>Pengaturan…</source>
      <translation>Settings…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="252" />
      <source>Tambah pengguna…</source>
      <translation>Add user…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="253" />
      <source>Kop surat dan penanda tangan…</source>
      <translation>Letterhead and signers…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="255" />
      <source>B&amp;antuan</source>
      <translation>&amp;Help</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="292" />
      <source>Hari ini (Ctrl+1)</source>
      <translation>Today (Ctrl+1)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="293" />
      <source>Daftar Siswa (Ctrl+2)</source>
      <translation>Roster (Ctrl+2)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="338" />
      <source>Petugas: {name} ({role})</source>
      <translation>Operator: {name} ({role})</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="387" />
      <source>Sinkron: {online} · {pending} · {last}</source>
      <translation>Sync: {online} · {pending} · {last}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="449" />
      <source>Pengguna ditambahkan: {name}</source>
      <translation>User added: {name}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="481" />
      <source>{n} data belum terkirim ke server. Data tetap aman di laptop ini, tetapi kantor belum melihatnya.</source>
      <translation>{n} records are not sent to the server yet. They are safe on this laptop, but the office cannot see them yet.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="486" />
      <source>Sinkronkan dulu</source>
      <translation>Sync first</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="487" />
      <source>Keluar saja</source>
      <translation>Quit anyway</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/main_window.py" line="488" />
      <source>Batal</source>
      <translation>Cancel</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="89" />
      <source>No</source>
      <translation>No</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="94" />
      <source>Tgl Lahir</source>
      <translation>Birth date</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="95" />
      <source>Umur</source>
      <translation>Age</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="97" />
      <source>Status</source>
      <translation>Status</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="258" />
      <source>belum cukup umur</source>
      <translation>under age</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="282" />
      <source>Sekolah</source>
      <translation>School</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="283" />
      <source>Kecamatan</source>
      <translation>District</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="284" />
      <source>Target</source>
      <translation>Target</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="288" />
      <source>Gagal</source>
      <translation>Failed</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="289" />
      <source>Kemajuan</source>
      <translation>Progress</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="347" />
      <source>Waktu</source>
      <translation>Time</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="348" />
      <source>Kejadian</source>
      <translation>Event</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="349" />
      <source>Keterangan</source>
      <translation>Details</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="351" />
      <source>Perangkat</source>
      <translation>Device</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="389" />
      <source>{device} (laptop ini)</source>
      <translation>{device} (this laptop)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="402" />
      <source>alasan: {reason}</source>
      <translation>reason: {reason}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="406" />
      <source>diubah: {fields}</source>
      <translation>changed: {fields}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="410" />
      <source>(dibatalkan)</source>
      <translation>(undone)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="419" />
      <source>Masalah</source>
      <translation>Problem</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="419" />
      <source>Siswa</source>
      <translation>Student</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="466" />
      <source>Percobaan</source>
      <translation>Attempts</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/models.py" line="467" />
      <source>Alasan ditolak</source>
      <translation>Reason refused</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/roster_page.py" line="84" />
      <source>Belum ada sekolah dipilih</source>
      <translation>No school chosen yet</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/roster_page.py" line="102" />
      <source>Cari nama, NISN, atau NIK</source>
      <translation>Search name, NISN or NIK</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/roster_page.py" line="110" />
      <source>Semua status</source>
      <translation>All statuses</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/roster_page.py" line="121" />
      <source>Kelas:</source>
      <translation>Class:</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/roster_page.py" line="123" />
      <source>Status:</source>
      <translation>Status:</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/roster_page.py" line="199" />
      <source>Semua kelas</source>
      <translation>All classes</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/roster_page.py" line="272" />
      <source>Ketik minimal {n} angka NISN/NIK, atau pindai kartu.</source>
      <translation>Type at least {n} digits of the NISN/NIK, or scan the card.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/roster_page.py" line="307" />
      <source>{n} siswa</source>
      <translation>{n} students</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/roster_page.py" line="343" />
      <source>Tidak ada siswa yang cocok. Siswa tidak ada di daftar? Tambah siswa (Ctrl+N).</source>
      <translation>No matching student. Not on the roster? Add the student (Ctrl+N).</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/roster_page.py" line="348" />
      <source>{n}+ siswa</source>
      <translation>{n}+ students</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/settings.py" line="66" />
      <source>Bahasa tampilan</source>
      <translation>Display language</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/settings.py" line="68" />
      <source>Kunci otomatis setelah diam (menit)</source>
      <translation>Auto-lock after idle (minutes)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/settings.py" line="70" />
      <source>Ukuran kertas</source>
      <translation>Paper size</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/settings.py" line="71" />
      <source>Sekolah terakhir</source>
      <translation>Last school</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/settings.py" line="72" />
      <source>Pengguna terakhir</source>
      <translation>Last user</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/settings.py" line="73" />
      <source>Folder simpan terakhir</source>
      <translation>Last save folder</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/settings.py" line="75" />
      <source>Sinkron otomatis setiap (menit)</source>
      <translation>Sync automatically every (minutes)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="67" />
      <source>Sinkronkan (Ctrl+S)</source>
      <translation>Sync now (Ctrl+S)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="93" />
      <source>○ Belum dicek</source>
      <translation>○ Not checked yet</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="96" />
      <source>● Daring (online)</source>
      <translation>● Online</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="99" />
      <source>○ Luring (offline)</source>
      <translation>○ Offline</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="105" />
      <source>Belum terkirim: {n}</source>
      <translation>Not sent yet: {n}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="108" />
      <source>Terkirim: {acked} · Ditolak server: {q}</source>
      <translation>Sent: {acked} · Refused by the server: {q}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="118" />
      <source>Terakhir sinkron: —</source>
      <translation>Last sync: —</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="123" />
      <source>Terakhir sinkron: {t}</source>
      <translation>Last sync: {t}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="134" />
      <source>Klik untuk melihat masalah sinkron.</source>
      <translation>Click to see the sync problems.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="142" />
      <source>Versi baru tersedia: {v}</source>
      <translation>New version available: {v}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="143" />
      <source>minta pemasangnya ke admin</source>
      <translation>ask the admin for the installer</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="145" />
      <source>Pasang versi {v} dari {where}. Data di laptop tetap aman.</source>
      <translation>Install version {v} from {where}. The data on this laptop stays safe.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="159" />
      <source>Menyinkronkan…</source>
      <translation>Syncing…</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="242" />
      <source>Laptop belum terdaftar di server (Berkas → Daftarkan ke server)</source>
      <translation>Laptop not enrolled with a server (File → Enrol with a server)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/sync_status.py" line="273" />
      <source>{n} kejadian ditolak server</source>
      <translation>{n} events refused by the server</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/today.py" line="76" />
      <source>Tampilkan semua sekolah</source>
      <translation>Show all schools</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/today.py" line="109" />
      <source>Pilih sekolah lalu tekan Enter untuk membuka Daftar Siswa.</source>
      <translation>Choose a school and press Enter to open its roster.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/today.py" line="112" />
      <source>Buka Daftar Siswa (Enter)</source>
      <translation>Open the roster (Enter)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/today.py" line="131" />
      <source>Tidak ada sekolah terjadwal hari ini. Centang "Tampilkan semua sekolah", sinkronkan dengan server (Ctrl+S), atau impor daftar siswa (Ctrl+I).</source>
      <translation>No school is planned for today. Tick "Show all schools", sync with the server (Ctrl+S), or import a roster (Ctrl+I).</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/today.py" line="138" />
      <source>{schools} sekolah · target {target} siswa · terekam {done} · belum {pending}</source>
      <translation>{schools} schools · target {target} students · recorded {done} · pending {pending}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/widgets.py" line="100" />
      <source>Terlalu pendek</source>
      <translation>Too short</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/widgets.py" line="101" />
      <source>Lemah</source>
      <translation>Weak</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/widgets.py" line="102" />
      <source>Cukup</source>
      <translation>Fair</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/widgets.py" line="103" />
      <source>Kuat</source>
      <translation>Strong</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/widgets.py" line="104" />
      <source>Sangat kuat</source>
      <translation>Very strong</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/widgets.py" line="130" />
      <source>Kekuatan kata sandi: {word}</source>
      <translation>Password strength: {word}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/report_actions.py" line="46" />
      <source>Luring (offline): server tidak terjangkau. Data aman di laptop dan terkirim otomatis saat daring.</source>
      <translation>Offline: the server cannot be reached. The data is safe on the laptop and is sent automatically once online.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/report_actions.py" line="64" />
      <source>Pilih sekolah dulu (Ctrl+1).</source>
      <translation>Choose a school first (Ctrl+1).</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/report_actions.py" line="81" />
      <source>Simpan sebagai</source>
      <translation>Save as</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/report_actions.py" line="104" />
      <source>Tersimpan ke berkas {file}</source>
      <translation>Saved to the file {file}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/report_actions.py" line="114" />
      <source>Ekspor data pribadi</source>
      <translation>Exporting personal data</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/report_actions.py" line="143" />
      <source>Dokumen dikirim ke printer.</source>
      <translation>Document sent to the printer.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/report_actions.py" line="180" />
      <source>Daftar belum rekam SIAK</source>
      <translation>SIAK not-yet-recorded list</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/report_actions.py" line="180" />
      <source>Excel atau CSV (*.xlsx *.csv)</source>
      <translation>Excel or CSV (*.xlsx *.csv)</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/report_actions.py" line="194" />
      <source>… dan {n} lainnya</source>
      <translation>… and {n} more</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/report_actions.py" line="199" />
      <source>Ditandai Sudah Terekam Sebelumnya (sumber SIAK):</source>
      <translation>Marked as recorded before (source SIAK):</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/report_actions.py" line="214" />
      <source>{n} siswa ditandai Sudah Terekam Sebelumnya (sumber SIAK).</source>
      <translation>{n} students marked as recorded before (source SIAK).</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/session_flow.py" line="69" />
      <source>Tidak dapat membuka data.</source>
      <translation>Cannot open the data.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/session_flow.py" line="160" />
      <source>Pendaftaran gagal.</source>
      <translation>Enrolment failed.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/student_actions.py" line="52" />
      <source>Tersimpan: {name} — {outcome}</source>
      <translation>Saved: {name} — {outcome}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/student_actions.py" line="61" />
      <source>Kartu baru dipindai: hasil {name} belum disimpan (dibatalkan).</source>
      <translation>A new card was scanned: the outcome of {name} was not saved (cancelled).</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/student_actions.py" line="74" />
      <source>{kind} {number} tidak ada di daftar. Tambah siswa dengan Ctrl+N.</source>
      <translation>{kind} {number} is not on the roster. Add the student with Ctrl+N.</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/student_actions.py" line="110" />
      <source>Siswa ditambahkan: {name}</source>
      <translation>Student added: {name}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/student_actions.py" line="131" />
      <source>Data dikoreksi: {name}</source>
      <translation>Details corrected: {name}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/student_actions.py" line="149" />
      <source>Dibatalkan: {name} — status sekarang {status}</source>
      <translation>Undone: {name} — status now {status}</translation>
    </message>
    <message>
      <location filename="../../ktpe_desktop/ui/window/student_actions.py" line="171" />
      <source>Tidak ada hasil Anda yang dapat dibatalkan.</source>
      <translation>You have no outcome that can be undone.</translation>
    </message>
  </context>
</TS>
