<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="id_ID">
<context>
    <name>ktpe</name>
    <message>
        <source>Menyiapkan demo…</source>
        <translation>Preparing the demo…</translation>
    </message>
    <message>
        <source>Server demo berjalan di {url}</source>
        <translation>Demo server running at {url}</translation>
    </message>
    <message>
        <source>Terjadi kesalahan</source>
        <translation>Something went wrong</translation>
    </message>
    <message>
        <source>Terjadi kesalahan yang tidak terduga. Data yang sudah tersimpan aman.
Salin laporan di bawah ini dan kirimkan ke admin kantor. Laporan ini tidak berisi data pribadi siswa.</source>
        <translation>An unexpected error happened. Data already saved is safe.
Copy the report below and send it to the office admin. The report holds no personal data of students.</translation>
    </message>
    <message>
        <source>Salin laporan</source>
        <translation>Copy report</translation>
    </message>
    <message>
        <source>Tutup</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Tersalin</source>
        <translation>Copied</translation>
    </message>
    <message>
        <source>Tidak berhasil</source>
        <translation>Not done</translation>
    </message>
    <message>
        <source>Tentang</source>
        <translation>About</translation>
    </message>
    <message>
        <source>Versi {v}</source>
        <translation>Version {v}</translation>
    </message>
    <message>
        <source>Perekaman KTP-el pemilih pemula di sekolah, untuk tim jemput bola Dispendukcapil Kota Malang. Bekerja tanpa jaringan; data di laptop disandikan.</source>
        <translation>KTP-el recording of first-time voters at schools, for the mobile teams of Dispendukcapil Kota Malang. Works without a network; data on the laptop is encrypted.</translation>
    </message>
    <message>
        <source>Folder data:</source>
        <translation>Data folder:</translation>
    </message>
    <message>
        <source>Perangkat:</source>
        <translation>Device:</translation>
    </message>
    <message>
        <source>Tambah pengguna</source>
        <translation>Add user</translation>
    </message>
    <message>
        <source>Petugas</source>
        <translation>Operator</translation>
    </message>
    <message>
        <source>Koordinator</source>
        <translation>Team lead</translation>
    </message>
    <message>
        <source>Nama lengkap</source>
        <translation>Full name</translation>
    </message>
    <message>
        <source>Nama pengguna</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>Peran</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Kata sandi</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Anomali</source>
        <translation>Anomalies</translation>
    </message>
    <message>
        <source>Data yang saling bertentangan (mis. terekam di dua laptop). Tidak ada yang ditimpa diam-diam: periksa riwayat siswa, lalu batalkan hasil yang salah.</source>
        <translation>Contradicting data (e.g. recorded on two laptops). Nothing is silently overwritten: check the student&apos;s history, then undo the wrong outcome.</translation>
    </message>
    <message>
        <source>Lihat riwayat (Enter)</source>
        <translation>Show history (Enter)</translation>
    </message>
    <message>
        <source>Tutup (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
    <message>
        <source>Tidak ada anomali.</source>
        <translation>No anomalies.</translation>
    </message>
    <message>
        <source>Riwayat: {name}</source>
        <translation>History: {name}</translation>
    </message>
    <message>
        <source>Batalkan kejadian terpilih… (Del)</source>
        <translation>Undo the selected event… (Del)</translation>
    </message>
    <message>
        <source>Kelas {c}</source>
        <translation>Class {c}</translation>
    </message>
    <message>
        <source>Kejadian ini tidak dapat dibatalkan.</source>
        <translation>This event cannot be undone.</translation>
    </message>
    <message>
        <source>Baris</source>
        <translation>Row</translation>
    </message>
    <message>
        <source>Keadaan</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Nama</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Rencana</source>
        <translation>Plan</translation>
    </message>
    <message>
        <source>L/P</source>
        <translation>M/F</translation>
    </message>
    <message>
        <source>NIK</source>
        <translation>NIK</translation>
    </message>
    <message>
        <source>NISN</source>
        <translation>NISN</translation>
    </message>
    <message>
        <source>Tgl lahir</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <source>Kelas</source>
        <translation>Class</translation>
    </message>
    <message>
        <source>Berubah</source>
        <translation>Changed</translation>
    </message>
    <message>
        <source>Tetap</source>
        <translation>Unchanged</translation>
    </message>
    <message>
        <source>Dilewati</source>
        <translation>Skipped</translation>
    </message>
    <message>
        <source>Siap</source>
        <translation>Ready</translation>
    </message>
    <message>
        <source>Ditahan</source>
        <translation>Held back</translation>
    </message>
    <message>
        <source>Tidak diimpor</source>
        <translation>Not imported</translation>
    </message>
    <message>
        <source>Kolom</source>
        <translation>Column</translation>
    </message>
    <message>
        <source>Pesan</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>Tingkat</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>Kesalahan</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>Peringatan</source>
        <translation>Warning</translation>
    </message>
    <message>
        <source>Info</source>
        <translation>Info</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>Data</translation>
    </message>
    <message>
        <source>Lama</source>
        <translation>Old</translation>
    </message>
    <message>
        <source>Baru</source>
        <translation>New</translation>
    </message>
    <message>
        <source>Impor Daftar Siswa</source>
        <translation>Import Student Roster</translation>
    </message>
    <message>
        <source>Pilih ekspor Dapodik (.xlsx) atau berkas CSV daftar siswa</source>
        <translation>Choose a Dapodik export (.xlsx) or a CSV roster file</translation>
    </message>
    <message>
        <source>&amp;Pilih Berkas…</source>
        <translation>&amp;Choose File…</translation>
    </message>
    <message>
        <source>Berkas:</source>
        <translation>File:</translation>
    </message>
    <message>
        <source>Belum ada berkas dipilih.</source>
        <translation>No file chosen yet.</translation>
    </message>
    <message>
        <source>Data Siswa</source>
        <translation>Students</translation>
    </message>
    <message>
        <source>Laporan</source>
        <translation>Report</translation>
    </message>
    <message>
        <source>Perubahan</source>
        <translation>Changes</translation>
    </message>
    <message>
        <source>Simpan &amp;Laporan…</source>
        <translation>Save &amp;Report…</translation>
    </message>
    <message>
        <source>&amp;Impor</source>
        <translation>&amp;Import</translation>
    </message>
    <message>
        <source>&amp;Tutup</source>
        <translation>&amp;Close</translation>
    </message>
    <message>
        <source>{name} (NPSN {npsn}) belum ada di laptop ini. Sekolah ini ditambahkan bersama daftar siswanya saat Anda menekan Impor.</source>
        <translation>{name} (NPSN {npsn}) is not on this laptop yet. The school is added together with its roster when you press Import.</translation>
    </message>
    <message>
        <source>Pilih berkas daftar siswa</source>
        <translation>Choose a roster file</translation>
    </message>
    <message>
        <source>Daftar siswa (*.xlsx *.xlsm *.csv *.txt);;Semua berkas (*)</source>
        <translation>Student rosters (*.xlsx *.xlsm *.csv *.txt);;All files (*)</translation>
    </message>
    <message>
        <source>Membaca berkas…</source>
        <translation>Reading the file…</translation>
    </message>
    <message>
        <source>Menyimpan…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Laporan berisi data pribadi</source>
        <translation>The report holds personal data</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>Simpan laporan impor</source>
        <translation>Save the import report</translation>
    </message>
    <message>
        <source>Laporan disimpan ke {path}</source>
        <translation>Report saved to {path}</translation>
    </message>
    <message>
        <source>lembar &apos;{0}&apos;</source>
        <translation>sheet &apos;{0}&apos;</translation>
    </message>
    <message>
        <source>CSV</source>
        <translation>CSV</translation>
    </message>
    <message numerus="yes">
        <source>%Ln kesalahan</source>
        <translation>
            <numerusform>%Ln error</numerusform>
            <numerusform>%Ln errors</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln peringatan</source>
        <translation>
            <numerusform>%Ln warning</numerusform>
            <numerusform>%Ln warnings</numerusform>
        </translation>
    </message>
    <message>
        <source>{rows} ({where}, judul kolom di baris {header}): {ready} siap, {held} ditahan karena kesalahan. {errors}, {warnings}.</source>
        <translation>{rows} ({where}, column titles on row {header}): {ready} ready, {held} held back for errors. {errors}, {warnings}.</translation>
    </message>
    <message numerus="yes">
        <source>%Ln baris siswa</source>
        <translation>
            <numerusform>%Ln student row</numerusform>
            <numerusform>%Ln student rows</numerusform>
        </translation>
    </message>
    <message>
        <source>Rencana impor: {new}, {changed} berubah, {unchanged} tetap, {missing} tidak ada di berkas (tidak dihapus), {skipped} dilewati.</source>
        <translation>Import plan: {new}, {changed} changed, {unchanged} unchanged, {missing} not in the file (not deleted), {skipped} skipped.</translation>
    </message>
    <message numerus="yes">
        <source>%Ln siswa baru</source>
        <translation>
            <numerusform>%Ln new student</numerusform>
            <numerusform>%Ln new students</numerusform>
        </translation>
    </message>
    <message>
        <source>Laporan ({errors}, {warnings})</source>
        <translation>Report ({errors}, {warnings})</translation>
    </message>
    <message>
        <source>Impor selesai: {added}, {changed} dikoreksi. Baris yang ditahan tidak diimpor; perbaiki berkasnya lalu impor lagi.</source>
        <translation>Import done: {added}, {changed} corrected. Rows held back were not imported; fix the file and import again.</translation>
    </message>
    <message>
        <source>Kolom dipakai: {0}. Kolom lain ({1}) diabaikan.</source>
        <translation>Columns used: {0}. Other columns ({1}) ignored.</translation>
    </message>
    <message>
        <source>Data Siswa ({0})</source>
        <translation>Students ({0})</translation>
    </message>
    <message>
        <source>Perubahan ({0})</source>
        <translation>Changes ({0})</translation>
    </message>
    <message>
        <source>Sekolah ditambahkan ke laptop ini.</source>
        <translation>The school was added to this laptop.</translation>
    </message>
    <message>
        <source>Terekam</source>
        <translation>Recorded</translation>
    </message>
    <message>
        <source>Sudah Terekam Sebelumnya</source>
        <translation>Already recorded before</translation>
    </message>
    <message>
        <source>Tidak Hadir</source>
        <translation>Absent</translation>
    </message>
    <message>
        <source>Belum Cukup Umur</source>
        <translation>Under age</translation>
    </message>
    <message>
        <source>Gagal Rekam…</source>
        <translation>Recording failed…</translation>
    </message>
    <message>
        <source>Aktivasi IKD</source>
        <translation>IKD activation</translation>
    </message>
    <message>
        <source>Catat hasil perekaman</source>
        <translation>Record the outcome</translation>
    </message>
    <message>
        <source>Tgl Lahir (umur)</source>
        <translation>Birth date (age)</translation>
    </message>
    <message>
        <source>Status saat ini</source>
        <translation>Current status</translation>
    </message>
    <message>
        <source>Alasan gagal rekam (↑/↓ lalu Enter):</source>
        <translation>Reason for the failure (↑/↓ then Enter):</translation>
    </message>
    <message>
        <source>&amp;Catatan (opsional):</source>
        <translation>&amp;Note (optional):</translation>
    </message>
    <message>
        <source>mis. KK dibawa besok</source>
        <translation>e.g. will bring the KK tomorrow</translation>
    </message>
    <message>
        <source>Batal (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>Simpan (Enter)</source>
        <translation>Save (Enter)</translation>
    </message>
    <message>
        <source>Catat hasil: {name}</source>
        <translation>Record the outcome: {name}</translation>
    </message>
    <message>
        <source>Ada siswa lain yang namanya sama cocoknya dengan pencarian. Pastikan ini siswa yang dimaksud: simpan perlu ditekan dua kali.</source>
        <translation>Another student matches the search just as well. Make sure this is the student you mean: saving needs a second press.</translation>
    </message>
    <message>
        <source>({n} th; {m} th saat pemungutan suara)</source>
        <translation>({n} y; {m} y on voting day)</translation>
    </message>
    <message>
        <source>Belum cukup umur: {age} tahun. Perekaman boleh mulai {day} (usia {min} tahun). Disarankan: Belum Cukup Umur (F4).</source>
        <translation>Under age: {age} years. Recording allowed from {day} (age {min}). Suggested: Under age (F4).</translation>
    </message>
    <message>
        <source>Boleh direkam, tetapi baru berusia {age} tahun pada hari pemungutan suara {day} (pemilih: {n} tahun).</source>
        <translation>May be recorded, but is only {age} on voting day, {day} (voters: {n}).</translation>
    </message>
    <message>
        <source>stasiun {n}</source>
        <translation>station {n}</translation>
    </message>
    <message>
        <source>perangkat {id}</source>
        <translation>device {id}</translation>
    </message>
    <message>
        <source>Sudah dicatat {status} di {station} ({operator}) pukul {time}.</source>
        <translation>Already recorded as {status} at {station} ({operator}) at {time}.</translation>
    </message>
    <message>
        <source>Siswa ini sudah berstatus {status}. Enter tidak menyimpan apa pun; tekan tombol hasil bila memang perlu, atau batalkan hasil lama lewat Riwayat (Ctrl+H).</source>
        <translation>This student is already marked “{status}”. Enter saves nothing; press an outcome key if really needed, or undo the old outcome from the history (Ctrl+H).</translation>
    </message>
    <message>
        <source>Perhatian: siswa ini terdaftar di sekolah lain.</source>
        <translation>Note: this student belongs to another school.</translation>
    </message>
    <message>
        <source>Pilih hasil dengan F1–F6 · Esc untuk batal</source>
        <translation>Choose the outcome with F1–F6 · Esc cancels</translation>
    </message>
    <message>
        <source>Enter = {outcome} · F1–F6 memilih hasil · Esc untuk batal</source>
        <translation>Enter = {outcome} · F1–F6 choose the outcome · Esc cancels</translation>
    </message>
    <message>
        <source>Siswa ini belum direkam. Aktivasi IKD tanpa perekaman menjadi anomali: tekan F6 sekali lagi bila memang benar, atau pilih hasil lain.</source>
        <translation>This student is not recorded yet. IKD activation without a recording becomes an anomaly: press F6 once more if that is right, or choose another outcome.</translation>
    </message>
    <message>
        <source>Pilih alasan dengan ↑/↓ lalu tekan Enter</source>
        <translation>Choose the reason with ↑/↓ then press Enter</translation>
    </message>
    <message>
        <source>Pindaian tidak terbaca lengkap: tidak ada yang disimpan. Pindai ulang kartu.</source>
        <translation>The scan was not read completely: nothing was saved. Scan the card again.</translation>
    </message>
    <message>
        <source>Benar {name}? Tekan sekali lagi untuk menyimpan {outcome}.</source>
        <translation>Is this {name}? Press once more to save {outcome}.</translation>
    </message>
    <message>
        <source>Tidak tersimpan: terjadi kesalahan.</source>
        <translation>Not saved: an error happened.</translation>
    </message>
    <message>
        <source>Kop surat dan penanda tangan</source>
        <translation>Letterhead and signers</translation>
    </message>
    <message>
        <source>Laptop ini belum punya kop surat untuk Berita Acara. Periksa isian di bawah (sudah diisi untuk Dispendukcapil Kota Malang) lalu simpan; Berita Acara tidak dicetak tanpa kop surat.</source>
        <translation>This laptop has no letterhead for the Berita Acara yet. Check the fields below (filled in for Dispendukcapil Kota Malang) and save; no Berita Acara is printed without a letterhead.</translation>
    </message>
    <message>
        <source>Kop surat</source>
        <translation>Letterhead</translation>
    </message>
    <message>
        <source>Pemerintah daerah</source>
        <translation>Local government</translation>
    </message>
    <message>
        <source>Nama dinas</source>
        <translation>Office name</translation>
    </message>
    <message>
        <source>Alamat kantor</source>
        <translation>Office address</translation>
    </message>
    <message>
        <source>Penanda tangan (PIHAK PERTAMA): Anda</source>
        <translation>Signer (PIHAK PERTAMA): you</translation>
    </message>
    <message>
        <source>Nama lengkap dan gelar</source>
        <translation>Full name and titles</translation>
    </message>
    <message>
        <source>NIP (18 angka)</source>
        <translation>NIP (18 digits)</translation>
    </message>
    <message>
        <source>Kepala sekolah (PIHAK KEDUA): {school}</source>
        <translation>Principal (PIHAK KEDUA): {school}</translation>
    </message>
    <message>
        <source>NIP (kosongkan bila tidak ada)</source>
        <translation>NIP (leave empty when there is none)</translation>
    </message>
    <message>
        <source>Kartu siswa terpindai: tidak disimpan. Tutup dialog ini dulu, lalu pindai lagi.</source>
        <translation>A student card was scanned: nothing saved. Close this dialog first, then scan it again.</translation>
    </message>
    <message>
        <source>Masalah sinkron</source>
        <translation>Sync problems</translation>
    </message>
    <message>
        <source>Kejadian berikut ditolak server dan disimpan terpisah (karantina). Datanya tetap aman di laptop ini. Ekspor daftarnya untuk admin kantor; setelah masalahnya diperbaiki, kirim ulang.</source>
        <translation>The server refused these events; they are kept apart (quarantine). The data stays safe on this laptop. Export the list for the office admin; once the cause is fixed, send them again.</translation>
    </message>
    <message>
        <source>Kirim ulang semua</source>
        <translation>Send all again</translation>
    </message>
    <message>
        <source>Ekspor daftar (CSV)…</source>
        <translation>Export the list (CSV)…</translation>
    </message>
    <message>
        <source>Tidak ada kejadian yang ditolak server.</source>
        <translation>The server refused no events.</translation>
    </message>
    <message numerus="yes">
        <source>%Ln kejadian masuk antrean lagi; akan dikirim pada sinkron berikutnya.</source>
        <translation>
            <numerusform>%Ln event queued again; it goes out with the next sync.</numerusform>
            <numerusform>%Ln events queued again; they go out with the next sync.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln baris diekspor ke {file}.</source>
        <translation>
            <numerusform>%Ln row exported to {file}.</numerusform>
            <numerusform>%Ln rows exported to {file}.</numerusform>
        </translation>
    </message>
    <message>
        <source>Ekspor masalah sinkron</source>
        <translation>Export sync problems</translation>
    </message>
    <message>
        <source>Pilih Sekolah</source>
        <translation>Choose School</translation>
    </message>
    <message>
        <source>Sekolah mana yang daftar siswanya diimpor?</source>
        <translation>Which school&apos;s roster are you importing?</translation>
    </message>
    <message>
        <source>Ketik sebagian nama sekolah atau NPSN, lalu Enter. Sekolah yang belum ada di laptop ini ditambahkan bersama daftar siswanya.</source>
        <translation>Type part of the school&apos;s name or its NPSN, then Enter. A school not yet on this laptop is added together with its roster.</translation>
    </message>
    <message>
        <source>Cari nama sekolah atau NPSN…</source>
        <translation>Search school name or NPSN…</translation>
    </message>
    <message>
        <source>{name} ({npsn}) — sudah di laptop ini</source>
        <translation>{name} ({npsn}) — already on this laptop</translation>
    </message>
    <message>
        <source>NPSN lain…</source>
        <translation>Other NPSN…</translation>
    </message>
    <message>
        <source>Sekolah yang tidak ada di daftar: ketik NPSN dan namanya</source>
        <translation>A school not in the list: type its NPSN and name</translation>
    </message>
    <message>
        <source>8 digit, mis. 20533660</source>
        <translation>8 digits, e.g. 20533660</translation>
    </message>
    <message>
        <source>mis. SMA HARAPAN BANGSA</source>
        <translation>e.g. SMA HARAPAN BANGSA</translation>
    </message>
    <message>
        <source>NPSN</source>
        <translation>NPSN</translation>
    </message>
    <message>
        <source>Nama sekolah</source>
        <translation>School name</translation>
    </message>
    <message>
        <source>Lanjut: pilih berkas (Enter)</source>
        <translation>Next: choose file (Enter)</translation>
    </message>
    <message>
        <source>Tidak ada sekolah yang cocok. Pakai &quot;NPSN lain…&quot; untuk sekolah di luar daftar.</source>
        <translation>No matching school. Use &quot;Other NPSN…&quot; for a school outside the list.</translation>
    </message>
    <message numerus="yes">
        <source>%Ln sekolah</source>
        <translation>
            <numerusform>%Ln school</numerusform>
            <numerusform>%Ln schools</numerusform>
        </translation>
    </message>
    <message>
        <source>NPSN {npsn} tidak ada di daftar sekolah. Isi nama sekolahnya.</source>
        <translation>NPSN {npsn} is not in the school list. Enter the school&apos;s name.</translation>
    </message>
    <message>
        <source>Pilih sekolah dari daftar, atau pakai &quot;NPSN lain…&quot;.</source>
        <translation>Choose a school from the list, or use &quot;Other NPSN…&quot;.</translation>
    </message>
    <message>
        <source>Pengaturan</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>No. KK</source>
        <translation>Family card no.</translation>
    </message>
    <message>
        <source>Tempat lahir</source>
        <translation>Place of birth</translation>
    </message>
    <message>
        <source>Nama ibu</source>
        <translation>Mother&apos;s name</translation>
    </message>
    <message>
        <source>Koreksi data siswa</source>
        <translation>Correct student details</translation>
    </message>
    <message>
        <source>Tambah siswa</source>
        <translation>Add student</translation>
    </message>
    <message>
        <source>Ubah data yang salah. Perubahan dicatat dan dikirim ke server.</source>
        <translation>Change what is wrong. Changes are logged and sent to the server.</translation>
    </message>
    <message>
        <source>Siswa yang hadir tetapi tidak ada di daftar. Nama wajib; NIK dan NISN diperiksa saat diketik.</source>
        <translation>A student who is here but not on the roster. The name is required; NIK and NISN are checked as you type.</translation>
    </message>
    <message>
        <source>L (laki-laki)</source>
        <translation>M (male)</translation>
    </message>
    <message>
        <source>P (perempuan)</source>
        <translation>F (female)</translation>
    </message>
    <message>
        <source>&amp;Buka siswa itu (Enter)</source>
        <translation>&amp;Open that student (Enter)</translation>
    </message>
    <message>
        <source>Tetap simpan sebagai siswa baru (Koordinator), alasan:</source>
        <translation>Save as a new student anyway (lead), reason:</translation>
    </message>
    <message>
        <source>Simpan (Ctrl+Enter)</source>
        <translation>Save (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Tidak ada data yang diubah.</source>
        <translation>Nothing was changed.</translation>
    </message>
    <message>
        <source>Batalkan hasil</source>
        <translation>Undo outcome</translation>
    </message>
    <message>
        <source>Batalkan &quot;{kind}&quot; untuk {name} ({time})?
Hasil lama tetap tercatat di riwayat.</source>
        <translation>Undo &quot;{kind}&quot; for {name} ({time})?
The old outcome stays in the history.</translation>
    </message>
    <message>
        <source>Alasan pembatalan (wajib), mis. salah pilih siswa</source>
        <translation>Reason for the undo (required), e.g. wrong student</translation>
    </message>
    <message>
        <source>Kembali (Esc)</source>
        <translation>Back (Esc)</translation>
    </message>
    <message>
        <source>Hub: terhubung ({station})</source>
        <translation>Hub: connected ({station})</translation>
    </message>
    <message>
        <source>Hub: tidak terjangkau — tetap bekerja luring</source>
        <translation>Hub: unreachable — still working offline</translation>
    </message>
    <message>
        <source>Hub sekolah</source>
        <translation>School hub</translation>
    </message>
    <message>
        <source>Jadikan laptop ini hub sekolah</source>
        <translation>Make this laptop the school hub</translation>
    </message>
    <message>
        <source>Laptop lain dari tim yang sama bergabung lewat jaringan lokal (router, hotspot ponsel atau kabel), tanpa internet. Tunjukkan kode pasangan ini kepada mereka.</source>
        <translation>Other laptops of the same team join over the local network (router, phone hotspot or cable), without internet. Show them this pairing code.</translation>
    </message>
    <message>
        <source>Kode baru</source>
        <translation>New code</translation>
    </message>
    <message>
        <source>Hanya Koordinator yang dapat menjadikan laptop ini hub.</source>
        <translation>Only the team lead can make this laptop the hub.</translation>
    </message>
    <message>
        <source>Gabung ke hub sekolah</source>
        <translation>Join a school hub</translation>
    </message>
    <message>
        <source>Cari hub di jaringan</source>
        <translation>Find hubs on the network</translation>
    </message>
    <message>
        <source>&amp;Alamat hub:</source>
        <translation>Hub &amp;address:</translation>
    </message>
    <message>
        <source>&amp;Kode pasangan:</source>
        <translation>Pairing &amp;code:</translation>
    </message>
    <message>
        <source>mis. Meja 2 (opsional)</source>
        <translation>e.g. Desk 2 (optional)</translation>
    </message>
    <message>
        <source>Nama &amp;stasiun:</source>
        <translation>&amp;Station name:</translation>
    </message>
    <message>
        <source>Gabung</source>
        <translation>Join</translation>
    </message>
    <message>
        <source>Keluar dari hub</source>
        <translation>Leave the hub</translation>
    </message>
    <message>
        <source>Alamat: {addresses}
Sidik jari sertifikat: {fp}</source>
        <translation>Address: {addresses}
Certificate fingerprint: {fp}</translation>
    </message>
    <message>
        <source>Stasiun {n}</source>
        <translation>Station {n}</translation>
    </message>
    <message>
        <source>(hub ini)</source>
        <translation>(this hub)</translation>
    </message>
    <message>
        <source>Hentikan hub</source>
        <translation>Stop the hub</translation>
    </message>
    <message>
        <source>Hub belum aktif: port jaringan tertutup.</source>
        <translation>The hub is not running: its network port is closed.</translation>
    </message>
    <message>
        <source>Jadikan hub sekolah</source>
        <translation>Make school hub</translation>
    </message>
    <message>
        <source>Laptop ini belum bergabung dengan hub.</source>
        <translation>This laptop has not joined a hub.</translation>
    </message>
    <message>
        <source>Tergabung sebagai stasiun {n} ({url}).</source>
        <translation>Joined as station {n} ({url}).</translation>
    </message>
    <message>
        <source>Mencari…</source>
        <translation>Searching…</translation>
    </message>
    <message>
        <source>Hub {team} di {address}</source>
        <translation>Hub {team} at {address}</translation>
    </message>
    <message>
        <source>Tidak ada hub yang terlihat. Ketik alamat yang tampil di layar hub.</source>
        <translation>No hub is visible. Type the address shown on the hub&apos;s screen.</translation>
    </message>
    <message>
        <source>Bergabung dengan hub sebagai stasiun {n}.</source>
        <translation>Joined the hub as station {n}.</translation>
    </message>
    <message>
        <source>Belum</source>
        <translation>Pending</translation>
    </message>
    <message>
        <source>Gagal Rekam</source>
        <translation>Recording failed</translation>
    </message>
    <message>
        <source>Perangkat asal belum terdaftar di server</source>
        <extracomment>Text and background colours of a status (calm, readable, colour-blind safe enough because the word is always shown too). Why the server refused an event (its stable codes, docs/sync-protocol.md), in the user&apos;s words; the server&apos;s own message is English and for the office admin.</extracomment>
        <translation>The device that wrote it is not enrolled with the server</translation>
    </message>
    <message>
        <source>Perangkat asal milik tim lain</source>
        <translation>The device that wrote it belongs to another team</translation>
    </message>
    <message>
        <source>Server menyimpan isi lain untuk kejadian ini</source>
        <translation>The server holds other content for this event</translation>
    </message>
    <message>
        <source>Kejadian sebelumnya dari laptop ini belum ada di server</source>
        <translation>Earlier events of this laptop are not on the server yet</translation>
    </message>
    <message>
        <source>Rantai kejadian tidak cocok dengan server</source>
        <translation>The chain of events does not match the server&apos;s</translation>
    </message>
    <message>
        <source>Isi kejadian tidak cocok dengan hash-nya</source>
        <translation>The event&apos;s content does not match its hash</translation>
    </message>
    <message>
        <source>Kejadian sebelumnya dalam kiriman ini memutus rantai</source>
        <translation>An earlier event in the same batch broke the chain</translation>
    </message>
    <message>
        <source>Siswa tidak dikenal server</source>
        <translation>The server does not know the student</translation>
    </message>
    <message>
        <source>Sekolah siswa tidak ditugaskan ke tim ini</source>
        <translation>The student&apos;s school is not assigned to this team</translation>
    </message>
    <message>
        <source>NPSN sekolah tidak dikenal server</source>
        <translation>The server does not know the school&apos;s NPSN</translation>
    </message>
    <message>
        <source>Tanda tangan perangkat tidak ada atau tidak sah</source>
        <translation>The device&apos;s signature is missing or invalid</translation>
    </message>
    <message>
        <source>Riwayat siswa sudah mencapai batas</source>
        <translation>The student&apos;s history is full</translation>
    </message>
    <message>
        <source>Perangkat asal sudah dicabut</source>
        <translation>The device that wrote it was revoked</translation>
    </message>
    <message>
        <source>Waktu kejadian di depan jam server (jam laptop salah?)</source>
        <translation>The event&apos;s time is ahead of the server&apos;s clock (laptop clock wrong?)</translation>
    </message>
    <message>
        <source>Waktu kejadian sebelum kampanye dimulai (jam laptop salah?)</source>
        <translation>The event&apos;s time is before the campaign started (laptop clock wrong?)</translation>
    </message>
    <message>
        <source>Siswa ditambahkan</source>
        <translation>Student added</translation>
    </message>
    <message>
        <source>Data dikoreksi</source>
        <translation>Details corrected</translation>
    </message>
    <message>
        <source>Dibatalkan</source>
        <translation>Undone</translation>
    </message>
    <message>
        <source>Tidak ada KK</source>
        <translation>No family card (KK)</translation>
    </message>
    <message>
        <source>Data tidak sesuai</source>
        <translation>Data mismatch</translation>
    </message>
    <message>
        <source>SIAK luring</source>
        <translation>SIAK offline</translation>
    </message>
    <message>
        <source>Perangkat bermasalah</source>
        <translation>Device problem</translation>
    </message>
    <message>
        <source>Lainnya</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>Belum cukup umur</source>
        <translation>Under age</translation>
    </message>
    <message>
        <source>Bukan penduduk Kota Malang</source>
        <translation>Not a resident of Kota Malang</translation>
    </message>
    <message>
        <source>Terekam dua kali</source>
        <translation>Recorded twice</translation>
    </message>
    <message>
        <source>Terekam tetapi juga ditandai belum cukup umur</source>
        <translation>Recorded but also marked under age</translation>
    </message>
    <message>
        <source>Terekam dan juga sudah terekam sebelumnya</source>
        <translation>Recorded and also already recorded before</translation>
    </message>
    <message>
        <source>Aktivasi IKD tanpa perekaman</source>
        <translation>IKD activated without a recording</translation>
    </message>
    <message>
        <source>Pembatalan atas pembatalan</source>
        <translation>Undo of an undo</translation>
    </message>
    <message>
        <source>Pembatalan untuk siswa lain</source>
        <translation>Undo for another student</translation>
    </message>
    <message>
        <source>Siswa baru dengan NISN/NIK milik siswa lain</source>
        <translation>New student with another student&apos;s NISN/NIK</translation>
    </message>
    <message>
        <source>KTP-el Jemput Bola</source>
        <translation>KTP-el Jemput Bola</translation>
    </message>
    <message>
        <source>Dispendukcapil Kota Malang · perekaman KTP-el pemilih pemula di sekolah</source>
        <translation>Dispendukcapil Kota Malang · KTP-el recording of first-time voters at schools</translation>
    </message>
    <message>
        <source>Pen&amp;gguna</source>
        <translation>&amp;User</translation>
    </message>
    <message>
        <source>Kata san&amp;di</source>
        <translation>&amp;Password</translation>
    </message>
    <message>
        <source>Masuk (Enter)</source>
        <translation>Log in (Enter)</translation>
    </message>
    <message>
        <source>Kartu siswa terpindai di layar masuk: masuk dulu, lalu pindai lagi.</source>
        <translation>A student card was scanned at the login: log in first, then scan it again.</translation>
    </message>
    <message>
        <source>Layar terkunci karena tidak ada aktivitas. Data tetap aman.
Masuk lagi, atau pilih petugas lain.</source>
        <translation>The screen locked after a while without activity. The data is safe.
Log in again, or choose another operator.</translation>
    </message>
    <message>
        <source>Mode demo — semua data siswa rekaan (fiktif), bukan data asli.
Koordinator: {user} · Kata sandi: {password}
Petugas: {operator} · Kata sandi: {operator_password}</source>
        <translation>Demo mode — every student is fictitious, not real data.
Lead: {user} · Password: {password}
Operator: {operator} · Password: {operator_password}</translation>
    </message>
    <message>
        <source>Memeriksa…</source>
        <translation>Checking…</translation>
    </message>
    <message numerus="yes">
        <source>Tunggu %n detik</source>
        <translation>
            <numerusform>Wait %n second</numerusform>
            <numerusform>Wait %n seconds</numerusform>
        </translation>
    </message>
    <message>
        <source>Ketik kata sandi.</source>
        <translation>Type the password.</translation>
    </message>
    <message>
        <source>Selamat datang</source>
        <translation>Welcome</translation>
    </message>
    <message>
        <source>Laptop ini belum disiapkan. Buat akun Koordinator (ketua tim) untuk laptop ini. Semua data di laptop disandikan dengan kata sandi ini.</source>
        <translation>This laptop is not set up yet. Create the team lead (Koordinator) account for it. All data on the laptop is encrypted with this password.</translation>
    </message>
    <message>
        <source>mis. Siti Rahayu</source>
        <translation>e.g. Siti Rahayu</translation>
    </message>
    <message>
        <source>Ulangi kata sandi</source>
        <translation>Repeat the password</translation>
    </message>
    <message>
        <source>Minimal {n} karakter. Lebih panjang lebih baik; campur huruf, angka, dan tanda baca.</source>
        <translation>At least {n} characters. Longer is better; mix letters, digits and punctuation.</translation>
    </message>
    <message>
        <source>Buat akun (Enter)</source>
        <translation>Create account (Enter)</translation>
    </message>
    <message>
        <source>Nama pengguna wajib diisi.</source>
        <translation>The user name is required.</translation>
    </message>
    <message>
        <source>Kata sandi minimal {n} karakter.</source>
        <translation>The password needs at least {n} characters.</translation>
    </message>
    <message>
        <source>Kedua kata sandi tidak sama.</source>
        <translation>The two passwords differ.</translation>
    </message>
    <message>
        <source>Hubungkan ke server kantor</source>
        <translation>Connect to the office server</translation>
    </message>
    <message>
        <source>Masukkan alamat server dan kode pendaftaran dari admin kantor. Tanpa jaringan? Mulai luring dan impor daftar siswa dari berkas; laptop dapat didaftarkan nanti.</source>
        <translation>Enter the server address and the enrolment code from the office admin. No network? Start offline and import the roster from a file; the laptop can be enrolled later.</translation>
    </message>
    <message>
        <source>mis. ABCD-EFGH-JKLM</source>
        <translation>e.g. ABCD-EFGH-JKLM</translation>
    </message>
    <message>
        <source>(opsional) sertifikat CA kantor</source>
        <translation>(optional) the office CA certificate</translation>
    </message>
    <message>
        <source>Pilih…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <source>Alamat server</source>
        <translation>Server address</translation>
    </message>
    <message>
        <source>Kode pendaftaran</source>
        <translation>Enrolment code</translation>
    </message>
    <message>
        <source>Berkas CA</source>
        <translation>CA file</translation>
    </message>
    <message>
        <source>Daftarkan sebagai perangkat baru (setelah pemulihan data)</source>
        <translation>Enrol as a new device (after a data recovery)</translation>
    </message>
    <message>
        <source>Untuk laptop yang datanya dipulihkan dan kehilangan catatan, atau yang dicabut lalu ditemukan kembali: laptop mendapat nomor perangkat baru, catatan yang belum diterima server dikirim ulang, dan kantor melihat catatan yang hilang.</source>
        <translation>For a laptop whose data was recovered and lost records, or that was revoked and found again: the laptop gets a new device number, the records the server had not received are sent again, and the office sees the lost records.</translation>
    </message>
    <message>
        <source>Mulai luring</source>
        <translation>Start offline</translation>
    </message>
    <message>
        <source>Impor daftar siswa…</source>
        <translation>Import roster…</translation>
    </message>
    <message>
        <source>Daftarkan laptop</source>
        <translation>Enrol laptop</translation>
    </message>
    <message>
        <source>Pilih sertifikat CA</source>
        <translation>Choose the CA certificate</translation>
    </message>
    <message>
        <source>Sertifikat (*.pem *.crt);;Semua berkas (*)</source>
        <translation>Certificates (*.pem *.crt);;All files (*)</translation>
    </message>
    <message>
        <source>Isi alamat server dan kode pendaftaran.</source>
        <translation>Enter the server address and the enrolment code.</translation>
    </message>
    <message>
        <source>Menghubungi server…</source>
        <translation>Contacting the server…</translation>
    </message>
    <message>
        <source>&amp;Berkas</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>Impor daftar siswa sekolah lain…</source>
        <translation>Import roster of another school…</translation>
    </message>
    <message>
        <source>Impor daftar belum rekam SIAK…</source>
        <translation>Import SIAK not-yet-recorded list…</translation>
    </message>
    <message>
        <source>Daftarkan ke server…</source>
        <translation>Enrol with a server…</translation>
    </message>
    <message>
        <source>Cetak Berita Acara…</source>
        <translation>Print Berita Acara…</translation>
    </message>
    <message>
        <source>Simpan Berita Acara (PDF)…</source>
        <translation>Save Berita Acara (PDF)…</translation>
    </message>
    <message>
        <source>Cetak Rekapitulasi Harian…</source>
        <translation>Print Daily Summary…</translation>
    </message>
    <message>
        <source>Simpan Rekapitulasi Harian (PDF)…</source>
        <translation>Save Daily Summary (PDF)…</translation>
    </message>
    <message>
        <source>Simpan Daftar Hadir per Rombel (PDF)…</source>
        <translation>Save attendance list per class (PDF)…</translation>
    </message>
    <message>
        <source>Simpan Daftar Hadir dengan hasil (PDF)…</source>
        <translation>Save attendance list with outcomes (PDF)…</translation>
    </message>
    <message>
        <source>Simpan Rekapitulasi Tim (PDF)…</source>
        <translation>Save team recap (PDF)…</translation>
    </message>
    <message>
        <source>Ekspor…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <source>Kunci layar</source>
        <translation>Lock screen</translation>
    </message>
    <message>
        <source>Ganti petugas</source>
        <translation>Switch operator</translation>
    </message>
    <message>
        <source>Keluar</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>&amp;Siswa</source>
        <translation>&amp;Student</translation>
    </message>
    <message>
        <source>Cari siswa</source>
        <translation>Find student</translation>
    </message>
    <message>
        <source>Catat hasil (Enter)</source>
        <translation>Record outcome (Enter)</translation>
    </message>
    <message>
        <source>Tambah siswa (tidak ada di daftar)…</source>
        <translation>Add student (not on the roster)…</translation>
    </message>
    <message>
        <source>Koreksi data siswa…</source>
        <translation>Correct student details…</translation>
    </message>
    <message>
        <source>Riwayat siswa…</source>
        <translation>Student history…</translation>
    </message>
    <message>
        <source>Batalkan hasil terakhir saya…</source>
        <translation>Undo my last outcome…</translation>
    </message>
    <message>
        <source>Tampilkan NIK lengkap</source>
        <translation>Show the full NIK</translation>
    </message>
    <message>
        <source>&amp;Tampilan</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <source>Hari ini</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>Daftar Siswa</source>
        <translation>Roster</translation>
    </message>
    <message>
        <source>Sin&amp;kron</source>
        <translation>S&amp;ync</translation>
    </message>
    <message>
        <source>Sinkronkan</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>Masalah sinkron…</source>
        <translation>Sync problems…</translation>
    </message>
    <message>
        <source>Anomali…</source>
        <translation>Anomalies…</translation>
    </message>
    <message>
        <source>Hub sekolah…</source>
        <translation>School hub…</translation>
    </message>
    <message>
        <source>&amp;Pengaturan</source>
        <translation>S&amp;ettings</translation>
    </message>
    <message>
        <source>Pengaturan…</source>
        <translation>Settings…</translation>
    </message>
    <message>
        <source>Tambah pengguna…</source>
        <translation>Add user…</translation>
    </message>
    <message>
        <source>Kop surat dan penanda tangan…</source>
        <translation>Letterhead and signers…</translation>
    </message>
    <message>
        <source>B&amp;antuan</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>Hari ini (Ctrl+1)</source>
        <translation>Today (Ctrl+1)</translation>
    </message>
    <message>
        <source>Daftar Siswa (Ctrl+2)</source>
        <translation>Roster (Ctrl+2)</translation>
    </message>
    <message>
        <source>Petugas: {name} ({role})</source>
        <translation>Operator: {name} ({role})</translation>
    </message>
    <message>
        <source>Sinkron: {online} · {pending} · {last}</source>
        <translation>Sync: {online} · {pending} · {last}</translation>
    </message>
    <message>
        <source>Pengguna ditambahkan: {name}</source>
        <translation>User added: {name}</translation>
    </message>
    <message numerus="yes">
        <source>%Ln data belum terkirim ke server. Data tetap aman di laptop ini, tetapi kantor belum melihatnya.</source>
        <translation>
            <numerusform>%Ln record is not sent to the server yet. It is safe on this laptop, but the office cannot see it yet.</numerusform>
            <numerusform>%Ln records are not sent to the server yet. They are safe on this laptop, but the office cannot see them yet.</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Sinkronkan dulu</source>
        <translation>&amp;Sync first</translation>
    </message>
    <message>
        <source>&amp;Keluar saja</source>
        <translation>&amp;Quit anyway</translation>
    </message>
    <message>
        <source>No</source>
        <translation>No</translation>
    </message>
    <message>
        <source>Tgl Lahir</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <source>Umur</source>
        <translation>Age</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>belum cukup umur</source>
        <translation>under age</translation>
    </message>
    <message>
        <source>Sekolah</source>
        <translation>School</translation>
    </message>
    <message>
        <source>Kecamatan</source>
        <translation>District</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Target</translation>
    </message>
    <message>
        <source>Gagal</source>
        <translation>Failed</translation>
    </message>
    <message>
        <source>Kemajuan</source>
        <translation>Progress</translation>
    </message>
    <message>
        <source>Waktu</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Kejadian</source>
        <translation>Event</translation>
    </message>
    <message>
        <source>Keterangan</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Perangkat</source>
        <translation>Device</translation>
    </message>
    <message>
        <source>{device} (laptop ini)</source>
        <translation>{device} (this laptop)</translation>
    </message>
    <message>
        <source>alasan: {reason}</source>
        <translation>reason: {reason}</translation>
    </message>
    <message>
        <source>diubah: {fields}</source>
        <translation>changed: {fields}</translation>
    </message>
    <message>
        <source>(dibatalkan)</source>
        <translation>(undone)</translation>
    </message>
    <message>
        <source>Masalah</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>Siswa</source>
        <translation>Student</translation>
    </message>
    <message>
        <source>Percobaan</source>
        <translation>Attempts</translation>
    </message>
    <message>
        <source>Alasan ditolak</source>
        <translation>Reason refused</translation>
    </message>
    <message>
        <source>Belum ada sekolah dipilih</source>
        <translation>No school chosen yet</translation>
    </message>
    <message>
        <source>Cari nama, NISN, atau NIK</source>
        <translation>Search name, NISN or NIK</translation>
    </message>
    <message>
        <source>Semua status</source>
        <translation>All statuses</translation>
    </message>
    <message>
        <source>Kelas:</source>
        <translation>Class:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Semua kelas</source>
        <translation>All classes</translation>
    </message>
    <message>
        <source>Ketik minimal {n} angka NISN/NIK, atau pindai kartu.</source>
        <translation>Type at least {n} digits of the NISN/NIK, or scan the card.</translation>
    </message>
    <message numerus="yes">
        <source>%Ln siswa</source>
        <translation>
            <numerusform>%Ln student</numerusform>
            <numerusform>%Ln students</numerusform>
        </translation>
    </message>
    <message>
        <source>Tidak ada siswa yang cocok. Siswa tidak ada di daftar? Tambah siswa (Ctrl+N).</source>
        <translation>No matching student. Not on the roster? Add the student (Ctrl+N).</translation>
    </message>
    <message>
        <source>{n}+ siswa</source>
        <translation>{n}+ students</translation>
    </message>
    <message>
        <source>Bahasa tampilan</source>
        <translation>Display language</translation>
    </message>
    <message>
        <source>Kunci otomatis setelah diam (menit)</source>
        <translation>Auto-lock after idle (minutes)</translation>
    </message>
    <message>
        <source>Ukuran kertas</source>
        <translation>Paper size</translation>
    </message>
    <message>
        <source>Sekolah terakhir</source>
        <translation>Last school</translation>
    </message>
    <message>
        <source>Pengguna terakhir</source>
        <translation>Last user</translation>
    </message>
    <message>
        <source>Folder simpan terakhir</source>
        <translation>Last save folder</translation>
    </message>
    <message>
        <source>Sinkron otomatis setiap (menit)</source>
        <translation>Sync automatically every (minutes)</translation>
    </message>
    <message>
        <source>Sinkronkan (Ctrl+S)</source>
        <translation>Sync now (Ctrl+S)</translation>
    </message>
    <message>
        <source>○ Belum dicek</source>
        <translation>○ Not checked yet</translation>
    </message>
    <message>
        <source>● Daring (online)</source>
        <translation>● Online</translation>
    </message>
    <message>
        <source>○ Luring (offline)</source>
        <translation>○ Offline</translation>
    </message>
    <message>
        <source>Belum terkirim: {n}</source>
        <translation>Not sent yet: {n}</translation>
    </message>
    <message>
        <source>Terkirim: {acked} · Ditolak server: {q}</source>
        <translation>Sent: {acked} · Refused by the server: {q}</translation>
    </message>
    <message>
        <source>Terakhir sinkron: —</source>
        <translation>Last sync: —</translation>
    </message>
    <message>
        <source>Terakhir sinkron: {t}</source>
        <translation>Last sync: {t}</translation>
    </message>
    <message>
        <source>Klik untuk melihat masalah sinkron.</source>
        <translation>Click to see the sync problems.</translation>
    </message>
    <message>
        <source>Versi baru tersedia: {v}</source>
        <translation>New version available: {v}</translation>
    </message>
    <message>
        <source>minta pemasangnya ke admin</source>
        <translation>ask the admin for the installer</translation>
    </message>
    <message>
        <source>Pasang versi {v} dari {where}. Data di laptop tetap aman.</source>
        <translation>Install version {v} from {where}. The data on this laptop stays safe.</translation>
    </message>
    <message>
        <source>Menyinkronkan…</source>
        <translation>Syncing…</translation>
    </message>
    <message>
        <source>Laptop belum terdaftar di server (Berkas → Daftarkan ke server)</source>
        <translation>Laptop not enrolled with a server (File → Enrol with a server)</translation>
    </message>
    <message>
        <source>Jam laptop berbeda {m} menit dari server. Periksa tanggal dan jam laptop.</source>
        <translation>The laptop&apos;s clock is {m} minutes off the server&apos;s. Check the laptop&apos;s date and time.</translation>
    </message>
    <message>
        <source>Sinkronisasi gagal karena kesalahan program: {detail}</source>
        <translation>The sync failed because of a program error: {detail}</translation>
    </message>
    <message numerus="yes">
        <source>%Ln kejadian ditolak server</source>
        <translation>
            <numerusform>%Ln event refused by the server</numerusform>
            <numerusform>%Ln events refused by the server</numerusform>
        </translation>
    </message>
    <message>
        <source>Tampilkan semua sekolah</source>
        <translation>Show all schools</translation>
    </message>
    <message>
        <source>Pilih sekolah lalu tekan Enter untuk membuka Daftar Siswa.</source>
        <translation>Choose a school and press Enter to open its roster.</translation>
    </message>
    <message>
        <source>Buka Daftar Siswa (Enter)</source>
        <translation>Open the roster (Enter)</translation>
    </message>
    <message>
        <source>Tidak ada sekolah terjadwal hari ini. Centang &quot;Tampilkan semua sekolah&quot;, sinkronkan dengan server (Ctrl+S), atau impor daftar siswa (Ctrl+I).</source>
        <translation>No school is planned for today. Tick &quot;Show all schools&quot;, sync with the server (Ctrl+S), or import a roster (Ctrl+I).</translation>
    </message>
    <message>
        <source>{schools} · target {target} · terekam {done} · belum {pending}</source>
        <translation>{schools} · target {target} · recorded {done} · pending {pending}</translation>
    </message>
    <message>
        <source>Terlalu pendek</source>
        <translation>Too short</translation>
    </message>
    <message>
        <source>Lemah</source>
        <translation>Weak</translation>
    </message>
    <message>
        <source>Cukup</source>
        <translation>Fair</translation>
    </message>
    <message>
        <source>Kuat</source>
        <translation>Strong</translation>
    </message>
    <message>
        <source>Sangat kuat</source>
        <translation>Very strong</translation>
    </message>
    <message>
        <source>Kekuatan kata sandi: {word}</source>
        <translation>Password strength: {word}</translation>
    </message>
    <message>
        <source>Luring (offline): server tidak terjangkau. Data aman di laptop dan terkirim otomatis saat daring.</source>
        <translation>Offline: the server cannot be reached. The data is safe on the laptop and is sent automatically once online.</translation>
    </message>
    <message>
        <source>Pilih sekolah dulu (Ctrl+1).</source>
        <translation>Choose a school first (Ctrl+1).</translation>
    </message>
    <message>
        <source>Simpan sebagai</source>
        <translation>Save as</translation>
    </message>
    <message>
        <source>Tersimpan ke berkas {file}</source>
        <translation>Saved to the file {file}</translation>
    </message>
    <message>
        <source>Ekspor data pribadi</source>
        <translation>Exporting personal data</translation>
    </message>
    <message>
        <source>Cetak {title}</source>
        <translation>Print {title}</translation>
    </message>
    <message>
        <source>Dokumen dikirim ke printer.</source>
        <translation>Document sent to the printer.</translation>
    </message>
    <message>
        <source>Daftar belum rekam SIAK</source>
        <translation>SIAK not-yet-recorded list</translation>
    </message>
    <message>
        <source>Excel atau CSV (*.xlsx *.csv)</source>
        <translation>Excel or CSV (*.xlsx *.csv)</translation>
    </message>
    <message>
        <source>… dan {n} lainnya</source>
        <translation>… and {n} more</translation>
    </message>
    <message>
        <source>Ditandai Sudah Terekam Sebelumnya (sumber SIAK):</source>
        <translation>Marked as recorded before (source SIAK):</translation>
    </message>
    <message numerus="yes">
        <source>%Ln siswa ditandai Sudah Terekam Sebelumnya (sumber SIAK).</source>
        <translation>
            <numerusform>%Ln student marked as recorded before (source SIAK).</numerusform>
            <numerusform>%Ln students marked as recorded before (source SIAK).</numerusform>
        </translation>
    </message>
    <message>
        <source>Tidak dapat membuka data.</source>
        <translation>Cannot open the data.</translation>
    </message>
    <message>
        <source>Perangkat baru</source>
        <extracomment>A large database&apos;s check waits for the first screen: the roster&apos;s first paint, or (no school opened) the start&apos;s reads done, looked at every this long.</extracomment>
        <translation>New device</translation>
    </message>
    <message>
        <source>Pendaftaran gagal.</source>
        <translation>Enrolment failed.</translation>
    </message>
    <message>
        <source>Tersimpan: {name} — {outcome}</source>
        <translation>Saved: {name} — {outcome}</translation>
    </message>
    <message>
        <source>Kartu baru dipindai: hasil {name} belum disimpan (dibatalkan).</source>
        <translation>A new card was scanned: the outcome of {name} was not saved (cancelled).</translation>
    </message>
    <message>
        <source>Impor sedang disimpan: pindai kartu lagi setelah selesai.</source>
        <translation>The import is being saved: scan the card again once it is done.</translation>
    </message>
    <message>
        <source>Kartu baru dipindai: jendela sebelumnya ditutup tanpa menyimpan.</source>
        <translation>A new card was scanned: the previous window was closed without saving.</translation>
    </message>
    <message>
        <source>{kind} {number} tidak ada di daftar. Tambah siswa dengan Ctrl+N.</source>
        <translation>{kind} {number} is not on the roster. Add the student with Ctrl+N.</translation>
    </message>
    <message>
        <source>Siswa ditambahkan: {name}</source>
        <translation>Student added: {name}</translation>
    </message>
    <message>
        <source>Data dikoreksi: {name}</source>
        <translation>Details corrected: {name}</translation>
    </message>
    <message>
        <source>Dibatalkan: {name} — status sekarang {status}</source>
        <translation>Undone: {name} — status now {status}</translation>
    </message>
    <message>
        <source>Tidak ada hasil Anda yang dapat dibatalkan.</source>
        <translation>You have no outcome that can be undone.</translation>
    </message>
</context>
</TS>
