; Inno Setup 6 script of the Windows installer (docs/decisions.md: why Inno Setup).
;
; Build the app first (PyInstaller one-folder, dist\ktpe-desktop\), then, from the
; source folder:
;   iscc /DAppVersion=0.1.0 release\windows\ktpe.iss
; → dist\installer\ktpe-jemput-bola-0.1.0-setup.exe
; With a code-signing certificate (docs/operations.md, "Signing"), add
;   "/Ssigntool=signtool.exe sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /a $f"
; and uncomment SignTool below: the installer and its uninstaller are both signed.
;
; Per-machine install into Program Files (needs an administrator once); the data
; folder is per user (%LOCALAPPDATA%\KTPE Jemput Bola) and is NOT removed by the
; uninstaller unless the user says so: it holds the encrypted database, its
; backups and the events not yet sent to the office.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=<version> release\windows\ktpe.iss
#endif
#define AppName "KTP-el Jemput Bola"
#define AppExe "ktpe-desktop.exe"
#define DataFolder "KTPE Jemput Bola"

[Setup]
; The AppId identifies the product for upgrades and the uninstaller: never change it.
AppId={{6B0D3E52-7C1A-4E8B-9F52-2D6A3C0B5E17}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Dinas Kependudukan dan Pencatatan Sipil Kota Malang
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
VersionInfoDescription={#AppName} installer
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist\installer
OutputBaseFilename=ktpe-jemput-bola-{#AppVersion}-setup
SetupIconFile=..\..\ktpe_desktop\resources\icons\ktpe.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running copy (Restart Manager) before files are replaced; an update
; installed over an older version keeps the data folder and the outbox.
CloseApplications=yes
RestartApplications=no
;SignTool=signtool
;SignedUninstaller=yes

[Languages]
; Inno Setup ships no Indonesian catalogue; our own texts below are in Indonesian.
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
english.DesktopIcon=Buat pintasan di desktop (Create a desktop shortcut)
english.RunApp=Jalankan {#AppName} (Start {#AppName})
english.DeleteData=Hapus juga data aplikasi di komputer ini?%n%nFolder data berisi basis data terenkripsi, cadangannya, dan catatan yang BELUM TERKIRIM ke kantor. Pilih "No" (disarankan) untuk menyimpannya: memasang ulang aplikasi akan memakainya lagi.%n%nAlso delete the app's data on this computer? It holds the encrypted database, its backups and records NOT YET SENT to the office. Choose "No" (recommended) to keep it.

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"

[Files]
Source: "..\..\dist\ktpe-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:RunApp}"; Flags: nowait postinstall skipifsilent

[Code]
// The data folder stays unless the user asks (interactive) or passes /DELETEDATA
// (silent uninstall). Only the uninstalling user's folder can be reached; other
// users' folders are listed in docs/operations.md ("Uninstalling").
function WantsDataDeleted(): Boolean;
begin
  if UninstallSilent() then
    Result := Pos('/DELETEDATA', Uppercase(GetCmdTail())) > 0
  else
    Result := MsgBox(CustomMessage('DeleteData'), mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    DataDir := ExpandConstant('{localappdata}\{#DataFolder}');
    if DirExists(DataDir) and WantsDataDeleted() then
      DelTree(DataDir, True, True, True);
  end;
end;
