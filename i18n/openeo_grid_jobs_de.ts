<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>Aoi</name>
    <message>
        <source>The map or layer has no valid coordinate reference system.</source>
        <translation>Die Karte oder der Layer hat kein gültiges Koordinatenbezugssystem.</translation>
    </message>
    <message>
        <source>The map view is empty; zoom to your area of interest first.</source>
        <translation>Die Kartenansicht ist leer; zoomen Sie zuerst auf Ihr Untersuchungsgebiet.</translation>
    </message>
    <message>
        <source>Choose a polygon layer as area of interest.</source>
        <translation>Wählen Sie einen Polygonlayer als Untersuchungsgebiet.</translation>
    </message>
    <message>
        <source>Layer {name} has no polygons; choose a polygon layer.</source>
        <translation>Layer {name} enthält keine Polygone; wählen Sie einen Polygonlayer.</translation>
    </message>
    <message>
        <source>No features are selected in layer {name}.</source>
        <translation>In Layer {name} sind keine Objekte gewählt.</translation>
    </message>
    <message>
        <source>Layer {name} has no polygon to cover.</source>
        <translation>Layer {name} enthält kein Polygon, das abzudecken wäre.</translation>
    </message>
</context>
<context>
    <name>AuthStore</name>
    <message>
        <source>QGIS could not save the login in its authentication database (is the master password set?).</source>
        <translation>QGIS konnte die Anmeldedaten nicht in seiner Authentifizierungsdatenbank speichern (ist das Master-Passwort gesetzt?).</translation>
    </message>
    <message>
        <source>The login {authcfg} is missing from the QGIS authentication database, or the master password was not given. Edit the connection to enter it again.</source>
        <translation>Die Anmeldedaten {authcfg} fehlen in der QGIS-Authentifizierungsdatenbank, oder das Master-Passwort wurde nicht eingegeben. Bearbeiten Sie die Verbindung, um sie erneut einzugeben.</translation>
    </message>
    <message>
        <source>The QGIS authentication system is disabled (no encryption support?): logins cannot be saved.</source>
        <translation>Das Authentifizierungssystem von QGIS ist deaktiviert (keine Verschlüsselungsunterstützung?): Anmeldedaten können nicht gespeichert werden.</translation>
    </message>
</context>
<context>
    <name>BackendMapDialog</name>
    <message>
        <source>Map back-ends of the job database</source>
        <translation>Backends der Job-Datenbank zuordnen</translation>
    </message>
    <message>
        <source>Rows of this job database name back-ends that are not among the ticked connections. Choose which connection tracks (and runs) each one&apos;s tiles.</source>
        <translation>Zeilen dieser Job-Datenbank nennen Backends, die nicht unter den angehakten Verbindungen sind. Wählen Sie für jedes, welche Verbindung seine Kacheln verfolgt (und ausführt).</translation>
    </message>
</context>
<context>
    <name>BackendsWidget</name>
    <message>
        <source>Back-end (tick to use)</source>
        <translation>Backend (zum Verwenden anhaken)</translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation>Jobs</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Hinzufügen…</translation>
    </message>
    <message>
        <source>Add an openEO back-end</source>
        <translation>Ein openEO-Backend hinzufügen</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Bearbeiten…</translation>
    </message>
    <message>
        <source>Edit the selected back-end</source>
        <translation>Das gewählte Backend bearbeiten</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Forget the selected back-end and its stored login</source>
        <translation>Das gewählte Backend und seine gespeicherten Anmeldedaten vergessen</translation>
    </message>
    <message>
        <source>Log in…</source>
        <translation>Anmelden…</translation>
    </message>
    <message>
        <source>Log in to the selected back-end in a browser (OIDC)</source>
        <translation>Im Browser beim gewählten Backend anmelden (OIDC)</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>Verbindung testen</translation>
    </message>
    <message>
        <source>Connect and show what the back-end offers</source>
        <translation>Verbinden und anzeigen, was das Backend anbietet</translation>
    </message>
    <message>
        <source>TLS verification OFF</source>
        <translation>TLS-Prüfung AUS</translation>
    </message>
    <message>
        <source>Batch jobs at once on this back-end</source>
        <translation>Gleichzeitige Batch-Jobs auf diesem Backend</translation>
    </message>
    <message>
        <source>Removed {name} and its stored login.</source>
        <translation>{name} und seine gespeicherten Anmeldedaten wurden entfernt.</translation>
    </message>
</context>
<context>
    <name>Background</name>
    <message>
        <source>Unexpected error ({error}); see the log.</source>
        <translation>Unerwarteter Fehler ({error}); siehe Protokoll.</translation>
    </message>
</context>
<context>
    <name>ClosePrompt</name>
    <message>
        <source>A run is going on. Keep it running after QGIS closes?</source>
        <translation>Ein Lauf ist im Gange. Soll er weiterlaufen, nachdem QGIS geschlossen wurde?</translation>
    </message>
    <message>
        <source>{left} It runs on its own: reopen the project (or open its job database) to watch it again. Stopped, its jobs go on on the back-end but no new job is submitted until you Run again.</source>
        <translation>{left} Er läuft eigenständig: Öffnen Sie das Projekt (oder seine Job-Datenbank) erneut, um ihn wieder zu verfolgen. Angehalten laufen seine Jobs auf dem Backend weiter, aber kein neuer Job wird übermittelt, bis Sie erneut „Ausführen“ wählen.</translation>
    </message>
    <message>
        <source>Keep running</source>
        <translation>Weiterlaufen lassen</translation>
    </message>
    <message>
        <source>Stop the run</source>
        <translation>Lauf anhalten</translation>
    </message>
    <message>
        <source>Remember my choice</source>
        <translation>Auswahl merken</translation>
    </message>
    <message>
        <source>{left} of {total} tiles left ({eta}).</source>
        <translation>{left} von {total} Kacheln ausstehend ({eta}).</translation>
    </message>
    <message>
        <source>{left} of {total} tiles left.</source>
        <translation>{left} von {total} Kacheln ausstehend.</translation>
    </message>
    <message>
        <source>{left} of {total} jobs left ({eta}).</source>
        <translation>{left} von {total} Jobs ausstehend ({eta}).</translation>
    </message>
    <message>
        <source>{left} of {total} jobs left.</source>
        <translation>{left} von {total} Jobs ausstehend.</translation>
    </message>
</context>
<context>
    <name>ConnectionDialog</name>
    <message>
        <source>openEO back-end</source>
        <translation>openEO-Backend</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>Anmeldung</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>The back-end&apos;s OpenID Connect provider (empty: its default)</source>
        <translation>Der OpenID-Connect-Anbieter des Backends (leer: sein Standard)</translation>
    </message>
    <message>
        <source>Provider</source>
        <translation>Anbieter</translation>
    </message>
    <message>
        <source>Client id</source>
        <translation>Client-ID</translation>
    </message>
    <message>
        <source>Client secret</source>
        <translation>Client-Secret</translation>
    </message>
    <message>
        <source>Batch jobs at once on this back-end</source>
        <translation>Gleichzeitige Batch-Jobs auf diesem Backend</translation>
    </message>
    <message>
        <source>Parallel jobs</source>
        <translation>Parallele Jobs</translation>
    </message>
    <message>
        <source>Verify TLS certificates</source>
        <translation>TLS-Zertifikate prüfen</translation>
    </message>
    <message>
        <source>TLS verification is OFF: only for your own test server with a self-signed certificate. Anyone on the network could read your login.</source>
        <translation>Die TLS-Prüfung ist AUS: nur für Ihren eigenen Testserver mit selbstsigniertem Zertifikat. Jeder im Netzwerk könnte Ihre Anmeldedaten mitlesen.</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>Verbindung testen</translation>
    </message>
    <message>
        <source>stored in the QGIS authentication database; type to change</source>
        <translation>in der QGIS-Authentifizierungsdatenbank gespeichert; zum Ändern neu eingeben</translation>
    </message>
    <message>
        <source>the back-end&apos;s default client</source>
        <translation>der Standard-Client des Backends</translation>
    </message>
    <message>
        <source>Enter the back-end&apos;s URL.</source>
        <translation>Geben Sie die URL des Backends ein.</translation>
    </message>
    <message>
        <source>There is already a connection named {name}.</source>
        <translation>Es gibt bereits eine Verbindung namens {name}.</translation>
    </message>
    <message>
        <source>Enter the user name and the password.</source>
        <translation>Geben Sie Benutzername und Passwort ein.</translation>
    </message>
    <message>
        <source>Enter the service account&apos;s client id and secret.</source>
        <translation>Geben Sie Client-ID und Secret des Dienstkontos ein.</translation>
    </message>
    <message>
        <source>Connecting to {url}…</source>
        <translation>Verbinde mit {url}…</translation>
    </message>
    <message>
        <source>{error} Save the connection, then use Log in in the dock.</source>
        <translation>{error} Speichern Sie die Verbindung und melden Sie sich dann im Dock mit „Anmelden…“ an.</translation>
    </message>
    <message>
        <source>SENTINEL2_L2A available</source>
        <translation>SENTINEL2_L2A verfügbar</translation>
    </message>
    <message>
        <source>no SENTINEL2_L2A</source>
        <translation>kein SENTINEL2_L2A</translation>
    </message>
    <message>
        <source>logged in as {user}</source>
        <translation>angemeldet als {user}</translation>
    </message>
    <message>
        <source>not logged in</source>
        <translation>nicht angemeldet</translation>
    </message>
    <message>
        <source>no cap</source>
        <translation>keine Grenze</translation>
    </message>
    <message>
        <source>Most jobs waiting in this back-end&apos;s queue at once, for back-ends that refuse more (a refusal only slows launching)</source>
        <translation>Höchstens so viele Jobs gleichzeitig in der Warteschlange dieses Back-ends, für Back-ends, die mehr ablehnen (eine Ablehnung verlangsamt nur das Starten)</translation>
    </message>
    <message>
        <source>Queued jobs at most</source>
        <translation>Höchstens wartende Jobs</translation>
    </message>
</context>
<context>
    <name>CreateGridAlgorithm</name>
    <message>
        <source>Builds a square tile grid over an area, for one openEO batch job per tile (openEO Grid Jobs › Run one openEO batch job per tile).

Tile corners are multiples of the tile size in the grid CRS, so grids made on different days or over different areas line up, and each tile keeps its &lt;i&gt;tile_id&lt;/i&gt; (&lt;code&gt;&amp;lt;zone&amp;gt;_&amp;lt;col&amp;gt;_&amp;lt;row&amp;gt;&lt;/code&gt;, e.g. 31N_119_1132).

&lt;b&gt;Extent&lt;/b&gt;: the area as a rectangle, in any CRS. Give this or an area layer.
&lt;b&gt;Area of interest (polygon layer)&lt;/b&gt;: the tiles touching its polygons are kept; tick &lt;i&gt;Selected features only&lt;/i&gt; to use the selection.
&lt;b&gt;Tile size (m)&lt;/b&gt;: the edge of a tile, in metres of the grid CRS.
&lt;b&gt;Grid CRS&lt;/b&gt;: a projected CRS in metres. Empty: the UTM zone (north/south) of the area's centre. An area across UTM zones gets one grid in the centre's zone and a warning.
&lt;b&gt;Tile limit&lt;/b&gt;: nothing is built when the area needs more tiles than this (a typo in a coordinate can ask for millions).
&lt;b&gt;Grid&lt;/b&gt;: the tiles, in the grid CRS, with the tile fields (tile_id, col, row, west/south/east/north in lon/lat) and the job fields a run fills in (status not_started, job_id, backend, ...). Added to the map styled by status.

Refused with a message: no area or both, an empty area, a tile size ≤ 0, a geographic grid CRS, an area across the antimeridian or off the Earth, more tiles than the limit.</source>
        <translation>Erstellt ein quadratisches Kachelgitter über einem Gebiet, für einen openEO-Batch-Job je Kachel (openEO Grid Jobs › Einen openEO-Batch-Job je Kachel ausführen).

Die Kachelecken sind Vielfache der Kachelgröße im Gitter-KBS, sodass Gitter, die an verschiedenen Tagen oder über verschiedenen Gebieten erstellt wurden, aufeinanderpassen und jede Kachel ihre &lt;i&gt;tile_id&lt;/i&gt; behält (&lt;code&gt;&amp;lt;zone&amp;gt;_&amp;lt;col&amp;gt;_&amp;lt;row&amp;gt;&lt;/code&gt;, z. B. 31N_119_1132).

&lt;b&gt;Ausdehnung&lt;/b&gt;: das Gebiet als Rechteck, in beliebigem KBS. Geben Sie dies oder einen Gebietslayer an.
&lt;b&gt;Untersuchungsgebiet (Polygonlayer)&lt;/b&gt;: Die Kacheln, die seine Polygone berühren, werden behalten; haken Sie &lt;i&gt;Nur gewählte Objekte&lt;/i&gt; an, um die Auswahl zu verwenden.
&lt;b&gt;Kachelgröße (m)&lt;/b&gt;: die Kantenlänge einer Kachel, in Metern des Gitter-KBS.
&lt;b&gt;Gitter-KBS&lt;/b&gt;: ein projiziertes KBS in Metern. Leer: die UTM-Zone (Nord/Süd) der Gebietsmitte. Ein Gebiet über mehrere UTM-Zonen erhält ein Gitter in der Zone der Mitte und eine Warnung.
&lt;b&gt;Maximale Kachelzahl&lt;/b&gt;: Es wird nichts erstellt, wenn das Gebiet mehr Kacheln braucht (ein Tippfehler in einer Koordinate kann Millionen verlangen).
&lt;b&gt;Gitter&lt;/b&gt;: die Kacheln im Gitter-KBS, mit den Kachelfeldern (tile_id, col, row, west/south/east/north in Länge/Breite) und den Job-Feldern, die ein Lauf ausfüllt (status not_started, job_id, backend, ...). Wird der Karte nach Status gestylt hinzugefügt.

Mit einer Meldung abgelehnt: kein Gebiet oder beides, ein leeres Gebiet, eine Kachelgröße ≤ 0, ein geographisches Gitter-KBS, ein Gebiet über die Datumsgrenze oder außerhalb der Erde, mehr Kacheln als die Höchstzahl.</translation>
    </message>
    <message>
        <source>Create tile grid</source>
        <translation>Kachelgitter erstellen</translation>
    </message>
    <message>
        <source>A metric tile grid (UTM by default) over an extent or polygons, one job per tile.</source>
        <translation>Ein metrisches Kachelgitter (standardmäßig UTM) über eine Ausdehnung oder Polygone, ein Job je Kachel.</translation>
    </message>
    <message>
        <source>Extent (any CRS)</source>
        <translation>Ausdehnung (beliebiges KBS)</translation>
    </message>
    <message>
        <source>Area of interest (polygon layer)</source>
        <translation>Untersuchungsgebiet (Polygonlayer)</translation>
    </message>
    <message>
        <source>Tile size (m)</source>
        <translation>Kachelgröße (m)</translation>
    </message>
    <message>
        <source>Grid CRS (empty: the area&apos;s UTM zone)</source>
        <translation>Gitter-KBS (leer: die UTM-Zone des Gebiets)</translation>
    </message>
    <message>
        <source>Tile limit</source>
        <translation>Maximale Kachelzahl</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>Gitter</translation>
    </message>
    <message>
        <source>Number of tiles</source>
        <translation>Anzahl Kacheln</translation>
    </message>
    <message>
        <source>Grid CRS used</source>
        <translation>Verwendetes Gitter-KBS</translation>
    </message>
    <message>
        <source>Canceled: no grid was written.</source>
        <translation>Abgebrochen: Es wurde kein Gitter geschrieben.</translation>
    </message>
    <message>
        <source>Give an extent or an area-of-interest layer, not both: the grid covers one area.</source>
        <translation>Geben Sie eine Ausdehnung oder einen Layer mit dem Untersuchungsgebiet an, nicht beides: Das Gitter deckt ein Gebiet ab.</translation>
    </message>
    <message>
        <source>Give the area to cover: an extent (EXTENT) or a polygon layer (AOI).</source>
        <translation>Geben Sie das abzudeckende Gebiet an: eine Ausdehnung (EXTENT) oder einen Polygonlayer (AOI).</translation>
    </message>
    <message>
        <source>The extent is empty: give xmin, xmax, ymin, ymax that enclose an area.</source>
        <translation>Die Ausdehnung ist leer: Geben Sie xmin, xmax, ymin, ymax an, die eine Fläche umschließen.</translation>
    </message>
    <message>
        <source>The extent has no CRS: add it, e.g. 595000,610000,5660000,5670000 [EPSG:32631].</source>
        <translation>Die Ausdehnung hat kein KBS: Ergänzen Sie es, z. B. 595000,610000,5660000,5670000 [EPSG:32631].</translation>
    </message>
    <message>
        <source>the area layer</source>
        <translation>Der Gebietslayer</translation>
    </message>
    <message>
        <source>{layer} has no polygons; choose a polygon layer.</source>
        <translation>{layer} enthält keine Polygone; wählen Sie einen Polygonlayer.</translation>
    </message>
    <message>
        <source>{layer} has no polygon to cover (no features selected?).</source>
        <translation>{layer} enthält kein abzudeckendes Polygon (keine Objekte gewählt?).</translation>
    </message>
</context>
<context>
    <name>DesktopNotify</name>
    <message>
        <source>openEO run ended</source>
        <translation>openEO-Lauf beendet</translation>
    </message>
    <message>
        <source>openEO run stopped on its budget</source>
        <translation>openEO-Lauf am Budget angehalten</translation>
    </message>
    <message>
        <source>openEO run waits for a login</source>
        <translation>openEO-Lauf wartet auf eine Anmeldung</translation>
    </message>
</context>
<context>
    <name>DeviceLoginDialog</name>
    <message>
        <source>Log in to {name}</source>
        <translation>Bei {name} anmelden</translation>
    </message>
    <message>
        <source>Asking the login provider for a code…</source>
        <translation>Code wird beim Anmeldeanbieter angefordert…</translation>
    </message>
    <message>
        <source>Open browser</source>
        <translation>Browser öffnen</translation>
    </message>
    <message>
        <source>Copy code</source>
        <translation>Code kopieren</translation>
    </message>
    <message>
        <source>Open &lt;a href=&quot;{url}&quot;&gt;{url}&lt;/a&gt; in a browser, check that it shows this code, and log in. This dialog closes by itself.</source>
        <translation>Öffnen Sie &lt;a href=&quot;{url}&quot;&gt;{url}&lt;/a&gt; in einem Browser, prüfen Sie, dass dort dieser Code steht, und melden Sie sich an. Dieser Dialog schließt sich von selbst.</translation>
    </message>
    <message>
        <source>Waiting for the login: {time} left</source>
        <translation>Warte auf die Anmeldung: noch {time}</translation>
    </message>
</context>
<context>
    <name>Export</name>
    <message>
        <source>Cannot tell the format of {name}: use .gpkg, .shp or .geojson.</source>
        <translation>Das Format von {name} ist nicht erkennbar: Verwenden Sie .gpkg, .shp oder .geojson.</translation>
    </message>
    <message>
        <source>Could not write {path}: {error}</source>
        <translation>{path} konnte nicht geschrieben werden: {error}</translation>
    </message>
</context>
<context>
    <name>GridJobsAlgorithm</name>
    <message>
        <source>Could not write the tiles: {error}</source>
        <translation>Die Kacheln konnten nicht geschrieben werden: {error}</translation>
    </message>
</context>
<context>
    <name>GridJobsDock</name>
    <message>
        <source>Grid</source>
        <translation>Gitter</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>Job</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Lauf</translation>
    </message>
    <message>
        <source>Problems</source>
        <translation>Probleme</translation>
    </message>
    <message>
        <source>Problems ({count})</source>
        <translation>Probleme ({count})</translation>
    </message>
</context>
<context>
    <name>GridJobsProvider</name>
    <message>
        <source>openEO Grid Jobs: one openEO batch job per grid tile</source>
        <translation>openEO Grid Jobs: ein openEO-Batch-Job je Gitterkachel</translation>
    </message>
    <message>
        <source>Could not read the model {path}</source>
        <translation>Das Modell {path} konnte nicht gelesen werden</translation>
    </message>
</context>
<context>
    <name>GridLayer</name>
    <message>
        <source>west (lon °, WGS 84)</source>
        <translation>West (Länge °, WGS 84)</translation>
    </message>
    <message>
        <source>south (lat °, WGS 84)</source>
        <translation>Süd (Breite °, WGS 84)</translation>
    </message>
    <message>
        <source>east (lon °, WGS 84)</source>
        <translation>Ost (Länge °, WGS 84)</translation>
    </message>
    <message>
        <source>north (lat °, WGS 84)</source>
        <translation>Nord (Breite °, WGS 84)</translation>
    </message>
    <message>
        <source>Grid {size} m ({zone})</source>
        <translation>Gitter {size} m ({zone})</translation>
    </message>
</context>
<context>
    <name>GridPanel</name>
    <message>
        <source>Export grid</source>
        <translation>Gitter exportieren</translation>
    </message>
    <message>
        <source>Grid exported to {path}</source>
        <translation>Gitter exportiert nach {path}</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>Gitter</translation>
    </message>
    <message>
        <source>Grid of tiles</source>
        <translation>Kachelgitter</translation>
    </message>
    <message>
        <source>Units from a polygon layer</source>
        <translation>Einheiten aus einem Polygonlayer</translation>
    </message>
    <message>
        <source>Run over</source>
        <translation>Lauf über</translation>
    </message>
    <message>
        <source>Tile size</source>
        <translation>Kachelgröße</translation>
    </message>
    <message>
        <source>Map canvas extent</source>
        <translation>Ausdehnung der Kartenansicht</translation>
    </message>
    <message>
        <source>Polygon layer</source>
        <translation>Polygonlayer</translation>
    </message>
    <message>
        <source>Selected features</source>
        <translation>Gewählte Objekte</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>Gebiet</translation>
    </message>
    <message>
        <source>Automatic UTM zone</source>
        <translation>Automatische UTM-Zone</translation>
    </message>
    <message>
        <source>Grid CRS</source>
        <translation>Gitter-KBS</translation>
    </message>
    <message>
        <source>Refuse to build more tiles than this (protects from typos).</source>
        <translation>Nicht mehr Kacheln als diese erzeugen (schützt vor Tippfehlern).</translation>
    </message>
    <message>
        <source>Tile limit</source>
        <translation>Maximale Kachelzahl</translation>
    </message>
    <message>
        <source>Create grid</source>
        <translation>Gitter erstellen</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Exportieren…</translation>
    </message>
    <message>
        <source>Save the grid with its statuses (GeoPackage, Shapefile, GeoJSON)</source>
        <translation>Das Gitter mit seinen Status speichern (GeoPackage, Shapefile, GeoJSON)</translation>
    </message>
    <message>
        <source>Creating a grid of {size} m tiles</source>
        <translation>Gitter aus {size}-m-Kacheln wird erstellt</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Stop creating the grid; nothing is added.</source>
        <translation>Das Erstellen des Gitters abbrechen; es wird nichts hinzugefügt.</translation>
    </message>
    <message>
        <source>Grid creation canceled; no layer added.</source>
        <translation>Gittererstellung abgebrochen; kein Layer hinzugefügt.</translation>
    </message>
    <message>
        <source>No grid was made.</source>
        <translation>Es wurde kein Gitter erstellt.</translation>
    </message>
    <message>
        <source>{count} tiles of {size} m, {crs} ({epsg}).</source>
        <translation>{count} Kacheln zu {size} m, {crs} ({epsg}).</translation>
    </message>
</context>
<context>
    <name>GridTask</name>
    <message>
        <source>Creating grid</source>
        <translation>Gitter wird erstellt</translation>
    </message>
    <message>
        <source>Creating the grid failed: {error} (details in the message log).</source>
        <translation>Das Erstellen des Gitters ist fehlgeschlagen: {error} (Einzelheiten im Protokoll).</translation>
    </message>
</context>
<context>
    <name>JobCancel</name>
    <message>
        <source>No job of this run is queued or running: nothing to cancel.</source>
        <translation>Kein Job dieses Laufs wartet oder läuft: Es gibt nichts abzubrechen.</translation>
    </message>
    <message>
        <source>Cancel jobs</source>
        <translation>Jobs abbrechen</translation>
    </message>
    <message numerus="yes">
        <source>Cancel all %n unfinished jobs of this run on the back-end?

No tile is selected. To cancel only some, select their tiles on the map.</source>
        <translation>
            <numerusform>%n unfertigen Job dieses Laufs auf dem Backend abbrechen?

Keine Kachel ist gewählt. Um nur einige abzubrechen, wählen Sie deren Kacheln in der Karte.</numerusform>
            <numerusform>Alle %n unfertigen Jobs dieses Laufs auf dem Backend abbrechen?

Keine Kachel ist gewählt. Um nur einige abzubrechen, wählen Sie deren Kacheln in der Karte.</numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing canceled.</source>
        <translation>Nichts abgebrochen.</translation>
    </message>
    <message>
        <source>Canceling all unfinished jobs…</source>
        <translation>Alle unfertigen Jobs werden abgebrochen…</translation>
    </message>
    <message numerus="yes">
        <source>Canceling %n tiles' jobs…</source>
        <translation>
            <numerusform>Der Job von %n Kachel wird abgebrochen…</numerusform>
            <numerusform>Die Jobs von %n Kacheln werden abgebrochen…</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>JobsPanel</name>
    <message>
        <source>Watching the run of {name} live.</source>
        <translation>Der Lauf von {name} wird live verfolgt.</translation>
    </message>
    <message>
        <source>This grid&apos;s run is going on (started elsewhere): watching it now.</source>
        <translation>Der Lauf dieses Gitters ist im Gange (anderswo gestartet): Er wird jetzt verfolgt.</translation>
    </message>
    <message>
        <source>The run goes on in the background; open its grid to watch it again.</source>
        <translation>Der Lauf geht im Hintergrund weiter; öffnen Sie sein Gitter, um ihn wieder zu verfolgen.</translation>
    </message>
    <message>
        <source>The run no longer goes on: Run to resume it with the new login to {name}.</source>
        <translation>Der Lauf ist nicht mehr im Gange: „Ausführen“ setzt ihn mit der neuen Anmeldung bei {name} fort.</translation>
    </message>
    <message>
        <source>Stopping: jobs keep running on the back-end.</source>
        <translation>Wird angehalten: Die Jobs laufen auf dem Backend weiter.</translation>
    </message>
    <message>
        <source>Stop the run first: splitting tiles changes the run&apos;s grid.</source>
        <translation>Halten Sie zuerst den Lauf an: Das Teilen von Kacheln ändert das Gitter des Laufs.</translation>
    </message>
    <message numerus="yes">
        <source>Splitting %n tiles into {quarters} quarter tiles and running them.</source>
        <translation>
            <numerusform>%n Kachel wird in {quarters} Viertelkacheln geteilt, die dann ausgeführt werden.</numerusform>
            <numerusform>%n Kacheln werden in {quarters} Viertelkacheln geteilt, die dann ausgeführt werden.</numerusform>
        </translation>
    </message>
    <message>
        <source>Fetching the finished tiles&apos; results from the back-end; they are added to the map when they are downloaded.</source>
        <translation>Die Ergebnisse der fertigen Kacheln werden vom Backend geholt; sie werden der Karte hinzugefügt, sobald sie heruntergeladen sind.</translation>
    </message>
    <message>
        <source>Results left on the back-end are fetched by a run, and {count} tiles have no job yet, which it would submit: Run to go on (with Download results ticked), then Load results.</source>
        <translation>Auf dem Backend gelassene Ergebnisse holt ein Lauf, und {count} Kacheln haben noch keinen Job, den er übermitteln würde: Ausführen, um fortzufahren (mit „Ergebnisse herunterladen“ angehakt), dann Ergebnisse laden.</translation>
    </message>
</context>
<context>
    <name>LoginMethod</name>
    <message>
        <source>No login</source>
        <translation>Keine Anmeldung</translation>
    </message>
    <message>
        <source>User name and password</source>
        <translation>Benutzername und Passwort</translation>
    </message>
    <message>
        <source>OpenID Connect (log in in a browser)</source>
        <translation>OpenID Connect (Anmeldung im Browser)</translation>
    </message>
    <message>
        <source>OpenID Connect service account (client id + secret)</source>
        <translation>OpenID-Connect-Dienstkonto (Client-ID + Secret)</translation>
    </message>
</context>
<context>
    <name>LogsDialog</name>
    <message>
        <source>The back-end logged nothing.</source>
        <translation>Das Backend hat nichts protokolliert.</translation>
    </message>
</context>
<context>
    <name>OpenEOGridJobsPlugin</name>
    <message>
        <source>{plugin}: run one openEO batch job per grid tile</source>
        <translation>{plugin}: ein openEO-Batch-Job je Gitterkachel</translation>
    </message>
    <message>
        <source>Missing Python packages: {packages}. Install them for QGIS's Python with: {command} — then restart QGIS.</source>
        <translation>Fehlende Python-Pakete: {packages}. Installieren Sie sie für das Python von QGIS mit: {command} — und starten Sie QGIS danach neu.</translation>
    </message>
    <message>
        <source>Copy command</source>
        <translation>Befehl kopieren</translation>
    </message>
</context>
<context>
    <name>OpenJobDatabaseAlgorithm</name>
    <message>
        <source>Shows a job tracker on the map: one tile per row, with its job status, job id, back-end, start/end times, duration, costs, failure message and result path; styled by status (finished lime, error dark red, running navy...) with the counts per status in the legend.

&lt;b&gt;Job database&lt;/b&gt;: a .csv or .parquet job tracker: one written by this plugin (the dock, the openeo-grid-jobs command or Run one openEO batch job per tile), or by the openeo client&apos;s MultiBackendJobManager in a notebook (tiles then come from its spatial_extent column, in lon/lat).
&lt;b&gt;Job statuses&lt;/b&gt;: the tiles with their job fields, in the grid CRS when the tracker names one.

The file is only read. To continue the run, use Run one openEO batch job per tile with the same job database, or the dock.</source>
        <translation>Zeigt einen Job-Tracker in der Karte: eine Kachel je Zeile, mit ihrem Job-Status, der Job-ID, dem Backend, Start- und Endzeit, Dauer, Kosten, Fehlermeldung und Ergebnispfad; nach Status gestylt (finished hellgrün, error dunkelrot, running marineblau...) mit der Anzahl je Status in der Legende.

&lt;b&gt;Job-Datenbank&lt;/b&gt;: ein Job-Tracker als .csv oder .parquet: einer, den dieses Plugin geschrieben hat (das Dock, der Befehl openeo-grid-jobs oder Einen openEO-Batch-Job je Kachel ausführen), oder der MultiBackendJobManager des openeo-Clients in einem Notebook (die Kacheln stammen dann aus seiner Spalte spatial_extent, in Länge/Breite).
&lt;b&gt;Job-Status&lt;/b&gt;: die Kacheln mit ihren Job-Feldern, im Gitter-KBS, wenn der Tracker eines nennt.

Die Datei wird nur gelesen. Um den Lauf fortzusetzen, verwenden Sie Einen openEO-Batch-Job je Kachel ausführen mit derselben Job-Datenbank, oder das Dock.</translation>
    </message>
    <message>
        <source>Open job database</source>
        <translation>Job-Datenbank öffnen</translation>
    </message>
    <message>
        <source>A job tracker (CSV/Parquet, this plugin&apos;s or a notebook&apos;s) as a layer by status.</source>
        <translation>Ein Job-Tracker (CSV/Parquet, von diesem Plugin oder aus einem Notebook) als Layer nach Status.</translation>
    </message>
    <message>
        <source>Job database</source>
        <translation>Job-Datenbank</translation>
    </message>
    <message>
        <source>Job database (*.csv *.parquet *.geoparquet)</source>
        <translation>Job-Datenbank (*.csv *.parquet *.geoparquet)</translation>
    </message>
    <message>
        <source>Job statuses</source>
        <translation>Job-Status</translation>
    </message>
    <message>
        <source>Number of tiles</source>
        <translation>Anzahl Kacheln</translation>
    </message>
    <message>
        <source>Tiles per status</source>
        <translation>Kacheln je Status</translation>
    </message>
    <message>
        <source>Job database {path} does not exist.</source>
        <translation>Die Job-Datenbank {path} existiert nicht.</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>Canceled: no layer was written.</source>
        <translation>Abgebrochen: Es wurde kein Layer geschrieben.</translation>
    </message>
    <message>
        <source>{name} has no run settings beside it (a notebook&apos;s tracker?): a run continues it with the job settings it is given.</source>
        <translation>Neben {name} liegen keine Laufeinstellungen (der Tracker eines Notebooks?): Ein Lauf setzt ihn mit den Job-Einstellungen fort, die er erhält.</translation>
    </message>
    <message>
        <source>{count} tiles: {statuses}</source>
        <translation>{count} Kacheln: {statuses}</translation>
    </message>
    <message>
        <source>{count} jobs: {statuses}</source>
        <translation>{count} Jobs: {statuses}</translation>
    </message>
</context>
<context>
    <name>ParametersDialog</name>
    <message>
        <source>Job parameters</source>
        <translation>Job-Parameter</translation>
    </message>
    <message>
        <source>Parameter</source>
        <translation>Parameter</translation>
    </message>
    <message>
        <source>Bound to</source>
        <translation>Gebunden an</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Bold: required. A value is JSON (30, [1, 2], &quot;text&quot;) or plain text. Unbound: the parameter&apos;s default; spatial_extent and temporal_extent get the row&apos;s own.</source>
        <translation>Fett: erforderlich. Ein Wert ist JSON (30, [1, 2], &quot;Text&quot;) oder einfacher Text. Ungebunden: der Standardwert des Parameters; spatial_extent und temporal_extent erhalten die der Zeile.</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Remove the selected names you added</source>
        <translation>Die gewählten, selbst hinzugefügten Namen entfernen</translation>
    </message>
    <message>
        <source>(not bound)</source>
        <translation>(nicht gebunden)</translation>
    </message>
    <message>
        <source>Field {name}</source>
        <translation>Feld {name}</translation>
    </message>
    <message>
        <source>The row&apos;s extent</source>
        <translation>Ausdehnung der Zeile</translation>
    </message>
    <message>
        <source>The row&apos;s dates</source>
        <translation>Zeitraum der Zeile</translation>
    </message>
    <message>
        <source>A value</source>
        <translation>Ein Wert</translation>
    </message>
    <message>
        <source>Field {name} (not in the units)</source>
        <translation>Feld {name} (nicht in den Einheiten)</translation>
    </message>
    <message>
        <source>Row {row} is bound but has no name.</source>
        <translation>Zeile {row} ist gebunden, hat aber keinen Namen.</translation>
    </message>
    <message>
        <source>Parameter {name} is listed twice.</source>
        <translation>Parameter {name} ist zweimal aufgeführt.</translation>
    </message>
    <message>
        <source>Only a value is typed</source>
        <translation>Nur ein Wert wird eingegeben</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>Erforderlich</translation>
    </message>
    <message>
        <source>Default: {value}</source>
        <translation>Standard: {value}</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Optional</translation>
    </message>
</context>
<context>
    <name>ProblemsController</name>
    <message>
        <source>Tile {tile} has no back-end job, so no logs: {reason}</source>
        <translation>Kachel {tile} hat keinen Job auf dem Backend, also keine Protokolle: {reason}</translation>
    </message>
    <message>
        <source>Tile {tile} has no back-end job, so no logs.</source>
        <translation>Kachel {tile} hat keinen Job auf dem Backend, also keine Protokolle.</translation>
    </message>
    <message>
        <source>No saved connection named {name}: add it to see the logs of job {job}.</source>
        <translation>Keine gespeicherte Verbindung namens {name}: Fügen Sie sie hinzu, um die Protokolle von Job {job} zu sehen.</translation>
    </message>
    <message>
        <source>Logs of job {job} (tile {tile}, {backend})</source>
        <translation>Protokolle von Job {job} (Kachel {tile}, {backend})</translation>
    </message>
    <message>
        <source>Fetching the logs of job {job}…</source>
        <translation>Protokolle von Job {job} werden abgerufen…</translation>
    </message>
</context>
<context>
    <name>ProblemsPage</name>
    <message>
        <source>No problems.</source>
        <translation>Keine Probleme.</translation>
    </message>
    <message>
        <source>Reason / tile</source>
        <translation>Grund / Kachel</translation>
    </message>
    <message>
        <source>Tiles</source>
        <translation>Kacheln</translation>
    </message>
    <message>
        <source>Show logs</source>
        <translation>Protokolle zeigen</translation>
    </message>
    <message>
        <source>The back-end&apos;s full logs of the selected tile&apos;s job</source>
        <translation>Die vollständigen Backend-Protokolle des Jobs der gewählten Kachel</translation>
    </message>
    <message>
        <source>Split and retry</source>
        <translation>Teilen und wiederholen</translation>
    </message>
    <message>
        <source>Replace the selected failed tiles by their four quarters and run them</source>
        <translation>Die gewählten fehlgeschlagenen Kacheln durch ihre vier Viertel ersetzen und diese ausführen</translation>
    </message>
    <message numerus="yes">
        <source>%n tiles did not finish: {problems}.</source>
        <translation>
            <numerusform>%n Kachel wurde nicht fertig: {problems}.</numerusform>
            <numerusform>%n Kacheln wurden nicht fertig: {problems}.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ProjectRuns</name>
    <message>
        <source>{name} — {done}/{tiles} finished · {when}</source>
        <translation>{name} — {done}/{tiles} fertig · {when}</translation>
    </message>
    <message>
        <source>Could not save the grid to {path}: {error}</source>
        <translation>Das Gitter konnte nicht in {path} gespeichert werden: {error}</translation>
    </message>
    <message>
        <source>{error} — the grid will be empty when the project is reopened.</source>
        <translation>{error} — das Gitter wird leer sein, wenn das Projekt wieder geöffnet wird.</translation>
    </message>
</context>
<context>
    <name>Results</name>
    <message>
        <source>Cannot open the result of tile {tile}: {path}</source>
        <translation>Das Ergebnis von Kachel {tile} kann nicht geöffnet werden: {path}</translation>
    </message>
    <message>
        <source>{grid} — tiles</source>
        <translation>{grid} — Kacheln</translation>
    </message>
    <message>
        <source>{grid} — NDVI</source>
        <translation>{grid} — NDVI</translation>
    </message>
    <message>
        <source>{grid} — NDVI {start} – {end}</source>
        <translation>{grid} — NDVI {start} bis {end}</translation>
    </message>
    <message>
        <source>{grid} — NDVI by window</source>
        <translation>{grid} — NDVI je Zeitfenster</translation>
    </message>
</context>
<context>
    <name>RunBackends</name>
    <message>
        <source>Tick at least one back-end (Add… one if the list is empty).</source>
        <translation>Haken Sie mindestens ein Backend an (mit „Hinzufügen…“, wenn die Liste leer ist).</translation>
    </message>
</context>
<context>
    <name>RunButtons</name>
    <message>
        <source>Run</source>
        <translation>Ausführen</translation>
    </message>
    <message>
        <source>Submit and track the tiles&apos; jobs</source>
        <translation>Die Jobs der Kacheln übermitteln und verfolgen</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <source>Stop tracking; jobs keep running on the back-end</source>
        <translation>Verfolgung beenden; die Jobs laufen auf dem Backend weiter</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Ask the back-end once for the jobs&apos; statuses</source>
        <translation>Das Backend einmal nach dem Status der Jobs fragen</translation>
    </message>
    <message>
        <source>Retry failed</source>
        <translation>Fehlgeschlagene wiederholen</translation>
    </message>
    <message>
        <source>Resubmit failed tiles</source>
        <translation>Fehlgeschlagene Kacheln erneut übermitteln</translation>
    </message>
    <message>
        <source>Cancel jobs</source>
        <translation>Jobs abbrechen</translation>
    </message>
    <message>
        <source>Cancel the back-end jobs of the selected tiles (or all)</source>
        <translation>Die Backend-Jobs der gewählten Kacheln (oder aller) abbrechen</translation>
    </message>
</context>
<context>
    <name>RunInputs</name>
    <message>
        <source>Choose where to keep the job database (.csv or .parquet).</source>
        <translation>Wählen Sie, wo die Job-Datenbank liegen soll (.csv oder .parquet).</translation>
    </message>
    <message>
        <source>Create a grid first (or open a job database).</source>
        <translation>Erstellen Sie zuerst ein Gitter (oder öffnen Sie eine Job-Datenbank).</translation>
    </message>
    <message>
        <source>This grid has not been run yet: nothing to ask the back-end.</source>
        <translation>Dieses Gitter wurde noch nicht ausgeführt: Es gibt nichts beim Backend zu erfragen.</translation>
    </message>
    <message>
        <source>{layer} has no field {fields}, which job parameters are bound to (Job › Parameters…). Nothing was submitted.</source>
        <translation>{layer} hat kein Feld {fields}, an das Job-Parameter gebunden sind (Job › Parameter…). Nichts wurde übermittelt.</translation>
    </message>
</context>
<context>
    <name>RunJobsAlgorithm</name>
    <message>
        <source>none yet</source>
        <translation>noch keine</translation>
    </message>
    <message>
        <source>Name the connection to run on (saved: {names}).</source>
        <translation>Nennen Sie die Verbindung, auf der ausgeführt werden soll (gespeichert: {names}).</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>No saved connection is named {name} (saved: {names}). Add it in the plugin's dock (Jobs › Back-ends › Add…), with its login.</source>
        <translation>Keine gespeicherte Verbindung heißt {name} (gespeichert: {names}). Fügen Sie sie im Dock des Plugins hinzu (Job › Backend › Hinzufügen…), mit ihrer Anmeldung.</translation>
    </message>
    <message>
        <source>{error} Log in in the plugin&apos;s dock first: an OpenID Connect login needs a browser once; runs then use the stored refresh token.</source>
        <translation>{error} Melden Sie sich zuerst im Dock des Plugins an: Eine OpenID-Connect-Anmeldung braucht einmal einen Browser; Läufe verwenden danach das gespeicherte Refresh-Token.</translation>
    </message>
    <message>
        <source>{error} (in the plugin&apos;s dock)</source>
        <translation>{error} (im Dock des Plugins)</translation>
    </message>
    <message>
        <source>Could not save the renewed login of %s</source>
        <translation>Die erneuerte Anmeldung von %s konnte nicht gespeichert werden</translation>
    </message>
    <message>
        <source>Could not read the saved connections</source>
        <translation>Die gespeicherten Verbindungen konnten nicht gelesen werden</translation>
    </message>
    <message>
        <source>the units layer</source>
        <translation>der Layer der Einheiten</translation>
    </message>
    <message>
        <source>{layer} has no valid CRS.</source>
        <translation>{layer} hat kein gültiges KBS.</translation>
    </message>
    <message>
        <source>Log in in the plugin&apos;s dock, then run again with the same job database to resume.</source>
        <translation>Melden Sie sich im Dock des Plugins an und führen Sie dann mit derselben Job-Datenbank erneut aus, um fortzusetzen.</translation>
    </message>
    <message>
        <source>Run one openEO batch job per tile</source>
        <translation>Einen openEO-Batch-Job je Kachel ausführen</translation>
    </message>
    <message>
        <source>Submit and track one openEO batch job per grid tile; Cancel stops, rerun resumes.</source>
        <translation>Einen openEO-Batch-Job je Gitterkachel übermitteln und verfolgen; Abbrechen hält an, erneutes Ausführen setzt fort.</translation>
    </message>
    <message>
        <source>Tiles</source>
        <translation>Kacheln</translation>
    </message>
    <message>
        <source>Tiles finished</source>
        <translation>Fertige Kacheln</translation>
    </message>
    <message>
        <source>Tiles failed</source>
        <translation>Fehlgeschlagene Kacheln</translation>
    </message>
    <message>
        <source>Tiles not final (stopped)</source>
        <translation>Nicht abgeschlossene Kacheln (angehalten)</translation>
    </message>
    <message>
        <source>Tiles per status</source>
        <translation>Kacheln je Status</translation>
    </message>
    <message>
        <source>NDVI mosaic</source>
        <translation>NDVI-Mosaik</translation>
    </message>
    <message>
        <source>STAC catalog</source>
        <translation>STAC-Katalog</translation>
    </message>
    <message>
        <source>The connection was not read (prepareAlgorithm).</source>
        <translation>Die Verbindung wurde nicht gelesen (prepareAlgorithm).</translation>
    </message>
    <message>
        <source>Stopped with {not_final} of {total} tiles not final. Their jobs keep running on the back-end: run again with the same job database ({job_db}) to resume.</source>
        <translation>Angehalten mit {not_final} von {total} Kacheln nicht abgeschlossen. Ihre Jobs laufen auf dem Backend weiter: Führen Sie mit derselben Job-Datenbank ({job_db}) erneut aus, um fortzusetzen.</translation>
    </message>
    <message>
        <source>The run&apos;s engine stopped without finishing (killed?). Run again with the same job database to resume: every tile keeps its one job.</source>
        <translation>Die Engine des Laufs hat aufgehört, ohne fertig zu werden (gewaltsam beendet?). Führen Sie mit derselben Job-Datenbank erneut aus, um fortzusetzen: Jede Kachel behält ihren einen Job.</translation>
    </message>
    <message>
        <source>{final} / {total} tiles final</source>
        <translation>{final} / {total} Kacheln abgeschlossen</translation>
    </message>
    <message>
        <source>{final} / {total} tiles final: {statuses}</source>
        <translation>{final} / {total} Kacheln abgeschlossen: {statuses}</translation>
    </message>
    <message>
        <source>Units (a tile grid or any polygon layer)</source>
        <translation>Einheiten (ein Kachelgitter oder ein beliebiger Polygonlayer)</translation>
    </message>
    <message>
        <source>Unit id field</source>
        <translation>Feld der Einheiten-ID</translation>
    </message>
    <message>
        <source>Connection (saved in the dock)</source>
        <translation>Verbindung (im Dock gespeichert)</translation>
    </message>
    <message>
        <source>Collection</source>
        <translation>Collection</translation>
    </message>
    <message>
        <source>Bands (red, NIR)</source>
        <translation>Bänder (Rot, NIR)</translation>
    </message>
    <message>
        <source>Start date</source>
        <translation>Startdatum</translation>
    </message>
    <message>
        <source>End date (exclusive)</source>
        <translation>Enddatum (ausschließlich)</translation>
    </message>
    <message>
        <source>Time windows (instead of the dates; one job per window)</source>
        <translation>Zeitfenster (statt des Zeitraums; ein Job je Fenster)</translation>
    </message>
    <message>
        <source>Process graph file (instead of the NDVI mean)</source>
        <translation>Prozessgraph-Datei (statt des NDVI-Mittels)</translation>
    </message>
    <message>
        <source>User-defined process (instead of the NDVI mean)</source>
        <translation>Benutzerdefinierter Prozess (statt des NDVI-Mittels)</translation>
    </message>
    <message>
        <source>UDP namespace (URL)</source>
        <translation>UDP-Namensraum (URL)</translation>
    </message>
    <message>
        <source>Process parameters (JSON)</source>
        <translation>Prozessparameter (JSON)</translation>
    </message>
    <message>
        <source>Output format</source>
        <translation>Ausgabeformat</translation>
    </message>
    <message>
        <source>Job options (JSON)</source>
        <translation>Job-Optionen (JSON)</translation>
    </message>
    <message>
        <source>Jobs at once</source>
        <translation>Gleichzeitige Jobs</translation>
    </message>
    <message>
        <source>Poll interval (s)</source>
        <translation>Abfrageintervall (s)</translation>
    </message>
    <message>
        <source>Retry failed tiles</source>
        <translation>Fehlgeschlagene Kacheln wiederholen</translation>
    </message>
    <message>
        <source>Job database</source>
        <translation>Job-Datenbank</translation>
    </message>
    <message>
        <source>Results folder</source>
        <translation>Ergebnisordner</translation>
    </message>
    <message>
        <source>Give a process graph file or a user-defined process, not both.</source>
        <translation>Geben Sie eine Prozessgraph-Datei oder einen benutzerdefinierten Prozess an, nicht beides.</translation>
    </message>
    <message>
        <source>Process graph file {path} does not exist.</source>
        <translation>Die Prozessgraph-Datei {path} existiert nicht.</translation>
    </message>
    <message>
        <source>{name} is not a date like 2024-05-01.</source>
        <translation>{name} ist kein Datum wie 2024-05-01.</translation>
    </message>
    <message>
        <source>Choose the job database file (.csv or .parquet).</source>
        <translation>Wählen Sie die Datei der Job-Datenbank (.csv oder .parquet).</translation>
    </message>
    <message>
        <source>The poll interval must be &gt; 0 seconds, got {value}.</source>
        <translation>Das Abfrageintervall muss &gt; 0 Sekunden sein, erhalten: {value}.</translation>
    </message>
    <message>
        <source>Download results</source>
        <translation>Ergebnisse herunterladen</translation>
    </message>
    <message>
        <source>Max. waiting (hours)</source>
        <translation>Max. Wartezeit (Stunden)</translation>
    </message>
    <message>
        <source>Max. running (hours)</source>
        <translation>Max. Laufzeit (Stunden)</translation>
    </message>
    <message>
        <source>Area sent</source>
        <translation>Gesendetes Gebiet</translation>
    </message>
    <message>
        <source>Bounding box (the layer&apos;s CRS)</source>
        <translation>Begrenzungsrechteck (im KBS des Layers)</translation>
    </message>
    <message>
        <source>Polygon (GeoJSON, lon/lat)</source>
        <translation>Polygon (GeoJSON, Länge/Breite)</translation>
    </message>
    <message>
        <source>Submits one openEO batch job per unit (a grid's tile, or a polygon of any layer) and time window to a back-end, at most &lt;i&gt;Jobs at once&lt;/i&gt; at a time, and tracks them until every tile is final (finished, error, canceled...). Each finished tile's result is downloaded. The same run engine as the plugin's dock and the openeo-grid-jobs command.

&lt;b&gt;Cancel stops tracking&lt;/b&gt;: the jobs keep running on the back-end. Run again with the same job database to resume: jobs already made are tracked, never submitted twice, and missing results are downloaded. A resumed run must use the same job settings (dates, bands, process...); other settings are refused with what differs.

&lt;b&gt;Units&lt;/b&gt;: the polygons to run, one job each: a grid from Create tile grid or the dock, or any polygon layer (fields, admin areas, a native:creategrid grid). Needed to start a run; optional to resume (if given, it must hold the run's units). Features with start_date and end_date fields run over their own dates.
&lt;b&gt;Unit id field&lt;/b&gt;: the field that names each unit (unique, not empty); tile_id, the plugin grid's, when empty. It names the unit's job and results folder.
&lt;b&gt;Connection&lt;/b&gt;: the name of a back-end connection saved in the dock (Jobs › Back-ends). Its login comes from the QGIS authentication database, never from a parameter; a browser (OpenID Connect) login must have been done in the dock once.
&lt;b&gt;Collection&lt;/b&gt;, &lt;b&gt;Bands (red, NIR)&lt;/b&gt;: for the NDVI mean, e.g. SENTINEL2_L2A and B04,B08.
&lt;b&gt;Start date&lt;/b&gt;, &lt;b&gt;End date&lt;/b&gt; (exclusive): the dates of every job.
&lt;b&gt;Time windows&lt;/b&gt;: instead of the dates, one job per unit and window, as the CLI's --windows: a step over a period, 2024-01-01/2025-01-01/P1M (P10D, P1W, P3M, P1Y, or season: the meteorological seasons DJF, MAM, JJA, SON from 1 Dec, 1 Mar, 1 Jun, 1 Sep, clipped to the period), or ranges apart by spaces or semicolons, 2024-03-01/2024-06-01; 2024-09-01/2024-11-01. Half-open: a window's end is the next one's start.
&lt;b&gt;Area sent&lt;/b&gt;: each unit's bounding box (in the layer's CRS), or its own polygon (GeoJSON, lon/lat) for processes that clip to it (fields, admin areas), as the CLI's --extent.
&lt;b&gt;Process graph file&lt;/b&gt;: a process graph JSON to run instead of the NDVI mean; its load_collection gets each tile's extent and the dates.
&lt;b&gt;User-defined process&lt;/b&gt;, &lt;b&gt;UDP namespace&lt;/b&gt;: a UDP to call instead, with spatial_extent and temporal_extent.
&lt;b&gt;Process parameters&lt;/b&gt;: a JSON object binding the UDP's (or the process graph file's declared) parameters for each job: &quot;column:FIELD&quot; gives each job its unit's value of that field, &quot;row:extent&quot; and &quot;row:dates&quot; the unit's extent and the window's dates (for a process that names them otherwise), anything else is a constant, e.g. {&quot;threshold&quot;: &quot;column:thr&quot;, &quot;max_cloud&quot;: 30}. spatial_extent and temporal_extent are the unit's extent and dates unless bound; a required parameter bound to nothing is refused, by name, before any job is submitted.
&lt;b&gt;Output format&lt;/b&gt;: of each job's result (NetCDF or GTiff).
&lt;b&gt;Job options&lt;/b&gt;: JSON object passed to every job, e.g. {&quot;executor-memory&quot;: &quot;2G&quot;}.
&lt;b&gt;Jobs at once&lt;/b&gt;: empty for the connection's own setting.
&lt;b&gt;Poll interval&lt;/b&gt;: seconds between status checks.
&lt;b&gt;Retry failed tiles&lt;/b&gt;: resubmit tiles that ended error, start_failed or skipped.
&lt;b&gt;Job database&lt;/b&gt;: .csv or .parquet, the openeo client's job-manager format (a notebook's MultiBackendJobManager tracker is continued too). An existing one is resumed.
&lt;b&gt;Results folder&lt;/b&gt;: where each tile's result goes (a folder per tile). Empty: &amp;lt;job database name&amp;gt;_results beside the job database, as in the dock.
&lt;b&gt;Download results&lt;/b&gt;: off: the results stay on the back-end and the catalog in the results folder points at their URLs; run again with it on to fetch them.
&lt;b&gt;Max. waiting&lt;/b&gt;, &lt;b&gt;Max. running&lt;/b&gt; (hours, empty: no limit): a job still created or queued that long after its start, or running longer, is canceled and its tile fails with the reason; Retry failed tiles takes it.

Outputs: the job database, the results folder, the NDVI mosaic of the finished tiles (mosaic.vrt, added to the map) and a STAC catalog (catalog.json) in it, and the tiles per status.</source>
        <translation>Übermittelt einen openEO-Batch-Job je Einheit (eine Kachel eines Gitters oder ein Polygon eines beliebigen Layers) und Zeitfenster an ein Backend, höchstens &lt;i&gt;Gleichzeitige Jobs&lt;/i&gt; auf einmal, und verfolgt sie, bis jede Kachel abgeschlossen ist (finished, error, canceled...). Das Ergebnis jeder fertigen Kachel wird heruntergeladen. Dieselbe Lauf-Engine wie im Dock des Plugins und im Befehl openeo-grid-jobs.

&lt;b&gt;Abbrechen beendet die Verfolgung&lt;/b&gt;: Die Jobs laufen auf dem Backend weiter. Führen Sie mit derselben Job-Datenbank erneut aus, um fortzusetzen: Bereits erstellte Jobs werden verfolgt, nie doppelt übermittelt, und fehlende Ergebnisse werden heruntergeladen. Ein fortgesetzter Lauf muss dieselben Job-Einstellungen verwenden (Zeitraum, Bänder, Prozess...); andere Einstellungen werden mit der Angabe abgelehnt, was abweicht.

&lt;b&gt;Einheiten&lt;/b&gt;: die Polygone des Laufs, ein Job je Polygon: ein Gitter aus Kachelgitter erstellen oder dem Dock, oder ein beliebiger Polygonlayer (Felder, Verwaltungsgebiete, ein Gitter aus native:creategrid). Nötig, um einen Lauf zu starten; optional zum Fortsetzen (wenn angegeben, muss er die Einheiten des Laufs enthalten). Objekte mit den Feldern start_date und end_date laufen über ihren eigenen Zeitraum.
&lt;b&gt;Feld der Einheiten-ID&lt;/b&gt;: das Feld, das jede Einheit benennt (eindeutig, nicht leer); leer: tile_id, das Feld des Plugin-Gitters. Es benennt den Job und den Ergebnisordner der Einheit.
&lt;b&gt;Verbindung&lt;/b&gt;: der Name einer im Dock gespeicherten Backend-Verbindung (Job › Backends). Ihre Anmeldung stammt aus der QGIS-Authentifizierungsdatenbank, nie aus einem Parameter; eine Anmeldung im Browser (OpenID Connect) muss einmal im Dock erfolgt sein.
&lt;b&gt;Collection&lt;/b&gt;, &lt;b&gt;Bänder (Rot, NIR)&lt;/b&gt;: für das NDVI-Mittel, z. B. SENTINEL2_L2A und B04,B08.
&lt;b&gt;Startdatum&lt;/b&gt;, &lt;b&gt;Enddatum&lt;/b&gt; (ausschließlich): der Zeitraum jedes Jobs.
&lt;b&gt;Zeitfenster&lt;/b&gt;: statt des Zeitraums ein Job je Einheit und Fenster, wie --windows der Kommandozeile: ein Schritt über einen Zeitraum, 2024-01-01/2025-01-01/P1M (P10D, P1W, P3M, P1Y oder season: die meteorologischen Jahreszeiten DJF, MAM, JJA, SON ab 1. Dez., 1. März, 1. Juni, 1. Sept., auf den Zeitraum zugeschnitten), oder Zeiträume, getrennt durch Leerzeichen oder Semikolons, 2024-03-01/2024-06-01; 2024-09-01/2024-11-01. Halboffen: Das Ende eines Fensters ist der Beginn des nächsten.
&lt;b&gt;Gesendetes Gebiet&lt;/b&gt;: das Begrenzungsrechteck jeder Einheit (im KBS des Layers) oder ihr eigenes Polygon (GeoJSON, Länge/Breite) für Prozesse, die darauf zuschneiden (Felder, Verwaltungsgebiete), wie --extent der Kommandozeile.
&lt;b&gt;Prozessgraph-Datei&lt;/b&gt;: ein Prozessgraph als JSON, der statt des NDVI-Mittels ausgeführt wird; sein load_collection erhält die Ausdehnung jeder Kachel und den Zeitraum.
&lt;b&gt;Benutzerdefinierter Prozess&lt;/b&gt;, &lt;b&gt;UDP-Namensraum&lt;/b&gt;: ein UDP, der stattdessen aufgerufen wird, mit spatial_extent und temporal_extent.
&lt;b&gt;Prozessparameter&lt;/b&gt;: ein JSON-Objekt, das die Parameter des UDP (oder die in der Prozessgraph-Datei angegebenen) für jeden Job belegt: &quot;column:FELD&quot; gibt jedem Job den Wert dieses Felds seiner Einheit, &quot;row:extent&quot; und &quot;row:dates&quot; die Ausdehnung der Einheit und den Zeitraum des Fensters (für einen Prozess, der sie anders nennt), alles andere ist eine Konstante, z. B. {&quot;threshold&quot;: &quot;column:thr&quot;, &quot;max_cloud&quot;: 30}. spatial_extent und temporal_extent sind Ausdehnung und Zeitraum der Einheit, sofern nicht belegt; ein erforderlicher Parameter ohne Belegung wird mit seinem Namen abgelehnt, bevor ein Job übermittelt wird.
&lt;b&gt;Ausgabeformat&lt;/b&gt;: des Ergebnisses jedes Jobs (NetCDF oder GTiff).
&lt;b&gt;Job-Optionen&lt;/b&gt;: JSON-Objekt, das jedem Job übergeben wird, z. B. {&quot;executor-memory&quot;: &quot;2G&quot;}.
&lt;b&gt;Gleichzeitige Jobs&lt;/b&gt;: leer für die Einstellung der Verbindung.
&lt;b&gt;Abfrageintervall&lt;/b&gt;: Sekunden zwischen zwei Statusabfragen.
&lt;b&gt;Fehlgeschlagene Kacheln wiederholen&lt;/b&gt;: Kacheln erneut übermitteln, die mit error, start_failed oder skipped endeten.
&lt;b&gt;Job-Datenbank&lt;/b&gt;: .csv oder .parquet, das Job-Manager-Format des openeo-Clients (auch der Tracker des MultiBackendJobManager eines Notebooks wird fortgesetzt). Eine vorhandene wird fortgesetzt.
&lt;b&gt;Ergebnisordner&lt;/b&gt;: wohin das Ergebnis jeder Kachel kommt (ein Ordner je Kachel). Leer: &amp;lt;Name der Job-Datenbank&amp;gt;_results neben der Job-Datenbank, wie im Dock.
&lt;b&gt;Ergebnisse herunterladen&lt;/b&gt;: aus: die Ergebnisse bleiben auf dem Backend, und der Katalog im Ergebnisordner verweist auf ihre URLs; erneut mit an ausführen, um sie zu holen.
&lt;b&gt;Max. Wartezeit&lt;/b&gt;, &lt;b&gt;Max. Laufzeit&lt;/b&gt; (Stunden, leer: keine Grenze): ein Job, der so lange nach seinem Start noch erstellt oder eingereiht ist oder länger läuft, wird abgebrochen, und seine Kachel scheitert mit dem Grund; Fehlgeschlagene Kacheln erneut versuchen übernimmt sie.

Ausgaben: die Job-Datenbank, der Ergebnisordner, darin das NDVI-Mosaik der fertigen Kacheln (mosaic.vrt, wird der Karte hinzugefügt) und ein STAC-Katalog (catalog.json), sowie die Kacheln je Status.</translation>
    </message>
    <message>
        <source>{final} / {total} jobs final</source>
        <translation>{final} / {total} Jobs abgeschlossen</translation>
    </message>
    <message>
        <source>{final} / {total} jobs final: {statuses}</source>
        <translation>{final} / {total} Jobs abgeschlossen: {statuses}</translation>
    </message>
</context>
<context>
    <name>RunLink</name>
    <message>
        <source>Cannot open the results mosaic {path}.</source>
        <translation>Das Ergebnismosaik {path} kann nicht geöffnet werden.</translation>
    </message>
    <message>
        <source>The run&apos;s engine stopped at {since} without finishing (killed?). Jobs keep running on the back-end: Run resumes the run.</source>
        <translation>Die Engine des Laufs hat um {since} aufgehört, ohne fertig zu werden (gewaltsam beendet?). Die Jobs laufen auf dem Backend weiter: „Ausführen“ setzt den Lauf fort.</translation>
    </message>
</context>
<context>
    <name>RunMessages</name>
    <message>
        <source>Run started: {tiles} tiles on {backends}; kept in {job_db}. It runs on its own: you may close QGIS.</source>
        <translation>Lauf gestartet: {tiles} Kacheln auf {backends}; gespeichert in {job_db}. Der Lauf arbeitet eigenständig: Sie können QGIS schließen.</translation>
    </message>
    <message>
        <source>Run started: {units} units × {windows} time windows ({jobs} jobs) on {backends}; kept in {job_db}. It runs on its own: you may close QGIS.</source>
        <translation>Lauf gestartet: {units} Einheiten × {windows} Zeitfenster ({jobs} Jobs) auf {backends}; gespeichert in {job_db}. Der Lauf arbeitet eigenständig: Sie können QGIS schließen.</translation>
    </message>
    <message>
        <source>Asking the back-end for the jobs' statuses…</source>
        <translation>Das Backend wird nach dem Status der Jobs gefragt…</translation>
    </message>
    <message>
        <source>Run complete: {finished} of {total} tiles finished, {failed} failed (Retry failed resubmits them).</source>
        <translation>Lauf abgeschlossen: {finished} von {total} Kacheln fertig, {failed} fehlgeschlagen („Fehlgeschlagene wiederholen“ übermittelt sie erneut).</translation>
    </message>
    <message>
        <source>Run complete: {finished} of {total} tiles finished.</source>
        <translation>Lauf abgeschlossen: {finished} von {total} Kacheln fertig.</translation>
    </message>
    <message>
        <source>No downloaded results yet (finished tiles only).</source>
        <translation>Noch keine heruntergeladenen Ergebnisse (nur fertige Kacheln).</translation>
    </message>
    <message numerus="yes">
        <source>Loaded %n tile results.</source>
        <translation>
            <numerusform>%n Kachelergebnis geladen.</numerusform>
            <numerusform>%n Kachelergebnisse geladen.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>All %n tile results are already on the map.</source>
        <translation>
            <numerusform>%n Kachelergebnis ist bereits in der Karte.</numerusform>
            <numerusform>Alle %n Kachelergebnisse sind bereits in der Karte.</numerusform>
        </translation>
    </message>
    <message>
        <source>Statuses refreshed; nothing was submitted. Run resumes tracking.</source>
        <translation>Status aktualisiert; nichts wurde übermittelt. „Ausführen“ verfolgt den Lauf weiter.</translation>
    </message>
    <message>
        <source>Cancel requests sent. The other jobs keep running; Run resumes tracking.</source>
        <translation>Abbruchanfragen gesendet. Die übrigen Jobs laufen weiter; „Ausführen“ verfolgt den Lauf weiter.</translation>
    </message>
    <message>
        <source>Not tracking any more. Jobs keep running on the back-end; Run resumes tracking them, Refresh updates the map once.</source>
        <translation>Der Lauf wird nicht mehr verfolgt. Die Jobs laufen auf dem Backend weiter; „Ausführen“ verfolgt sie weiter, „Aktualisieren“ bringt die Karte einmal auf den neuesten Stand.</translation>
    </message>
    <message>
        <source>Run complete: {finished} of {total} jobs finished, {failed} failed (Retry failed resubmits them).</source>
        <translation>Lauf abgeschlossen: {finished} von {total} Jobs fertig, {failed} fehlgeschlagen („Fehlgeschlagene wiederholen“ übermittelt sie erneut).</translation>
    </message>
    <message>
        <source>Run complete: {finished} of {total} jobs finished.</source>
        <translation>Lauf abgeschlossen: {finished} von {total} Jobs fertig.</translation>
    </message>
    <message>
        <source>Retrying the failed tiles of {tiles} on {backends}; kept in {job_db}. It runs on its own: you may close QGIS.</source>
        <translation>Die fehlgeschlagenen Kacheln von {tiles} werden wiederholt, auf {backends}; gespeichert in {job_db}. Der Lauf arbeitet eigenständig: Sie können QGIS schließen.</translation>
    </message>
    <message>
        <source>Retrying the failed jobs of {units} units × {windows} time windows on {backends}; kept in {job_db}. It runs on its own: you may close QGIS.</source>
        <translation>Die fehlgeschlagenen Jobs von {units} Einheiten × {windows} Zeitfenstern werden wiederholt, auf {backends}; gespeichert in {job_db}. Der Lauf arbeitet eigenständig: Sie können QGIS schließen.</translation>
    </message>
    <message>
        <source>The layer {layer} does not take the tiles&apos; statuses ({why}); is its file open in another program? The run goes on, and the map catches up as soon as the layer takes them.</source>
        <translation>Der Layer {layer} nimmt die Status der Kacheln nicht an ({why}); ist seine Datei in einem anderen Programm geöffnet? Der Lauf geht weiter, und die Karte holt auf, sobald der Layer sie annimmt.</translation>
    </message>
</context>
<context>
    <name>RunOpener</name>
    <message numerus="yes">
        <source>Opened {path}: %n tiles.</source>
        <translation>
            <numerusform>{path} geöffnet: %n Kachel.</numerusform>
            <numerusform>{path} geöffnet: %n Kacheln.</numerusform>
        </translation>
    </message>
    <message>
        <source>Open job database</source>
        <translation>Job-Datenbank öffnen</translation>
    </message>
    <message>
        <source>Job database (*.csv *.parquet)</source>
        <translation>Job-Datenbank (*.csv *.parquet)</translation>
    </message>
</context>
<context>
    <name>RunPage</name>
    <message>
        <source>Job database (*.csv *.parquet)</source>
        <translation>Job-Datenbank (*.csv *.parquet)</translation>
    </message>
    <message>
        <source>The run&apos;s job table (one row per tile); its grid is saved beside it (.gpkg)</source>
        <translation>Die Job-Tabelle des Laufs (eine Zeile je Kachel); sein Gitter wird daneben gespeichert (.gpkg)</translation>
    </message>
    <message>
        <source>Job database</source>
        <translation>Job-Datenbank</translation>
    </message>
    <message>
        <source>Poll every</source>
        <translation>Abfragen alle</translation>
    </message>
    <message>
        <source>no cap</source>
        <translation>keine Grenze</translation>
    </message>
    <message>
        <source> credits</source>
        <translation> Credits</translation>
    </message>
    <message>
        <source>Stop launching jobs before the run&apos;s costs (spent plus expected for the jobs out) would pass this; the rest are skipped and say why. Raise it and Run to go on.</source>
        <translation>Keine Jobs mehr starten, bevor die Kosten des Laufs (verbraucht plus erwartet für die laufenden Jobs) diesen Wert überschreiten würden; die übrigen werden übersprungen und nennen den Grund. Erhöhen Sie ihn und wählen Sie „Ausführen“, um fortzufahren.</translation>
    </message>
    <message>
        <source>Credit budget</source>
        <translation>Credit-Budget</translation>
    </message>
    <message>
        <source>The runs of this project: open one to show and resume it</source>
        <translation>Die Läufe dieses Projekts: Öffnen Sie einen, um ihn anzuzeigen und fortzusetzen</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Runs in this project</source>
        <translation>Läufe in diesem Projekt</translation>
    </message>
    <message>
        <source>Open job database…</source>
        <translation>Job-Datenbank öffnen…</translation>
    </message>
    <message>
        <source>Show a job tracker (this plugin&apos;s or a notebook&apos;s) on the map</source>
        <translation>Einen Job-Tracker (von diesem Plugin oder aus einem Notebook) in der Karte zeigen</translation>
    </message>
    <message>
        <source>Load results</source>
        <translation>Ergebnisse laden</translation>
    </message>
    <message>
        <source>Add each finished tile&apos;s downloaded result as a layer</source>
        <translation>Das heruntergeladene Ergebnis jeder fertigen Kachel als Layer hinzufügen</translation>
    </message>
    <message>
        <source>Download results</source>
        <translation>Ergebnisse herunterladen</translation>
    </message>
    <message>
        <source>Off: results stay on the back-end, the map shows statuses only, and the catalog in the results folder points at their URLs. Tick it and Run again to fetch them.</source>
        <translation>Aus: die Ergebnisse bleiben auf dem Backend, die Karte zeigt nur die Status, und der Katalog im Ergebnisordner verweist auf ihre URLs. Ankreuzen und erneut ausführen, um sie zu holen.</translation>
    </message>
    <message>
        <source>Cancel a job still created or queued this long after its start (a lost start); its tile fails with the reason, and Retry failed takes it</source>
        <translation>Einen Job abbrechen, der so lange nach seinem Start noch erstellt oder eingereiht ist (ein verlorener Start); seine Kachel scheitert mit dem Grund, und Fehlgeschlagene erneut versuchen übernimmt sie</translation>
    </message>
    <message>
        <source>Max. waiting</source>
        <translation>Max. Wartezeit</translation>
    </message>
    <message>
        <source>Cancel a job running longer than this; its tile fails with the reason, and Retry failed or Split and retry take it</source>
        <translation>Einen Job abbrechen, der länger läuft; seine Kachel scheitert mit dem Grund, und Fehlgeschlagene erneut versuchen oder Teilen und erneut versuchen übernehmen sie</translation>
    </message>
    <message>
        <source>Max. running</source>
        <translation>Max. Laufzeit</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>keine Grenze</translation>
    </message>
</context>
<context>
    <name>RunPrompts</name>
    <message>
        <source>Run not started: the back-ends were not mapped.</source>
        <translation>Lauf nicht gestartet: Die Backends wurden nicht zugeordnet.</translation>
    </message>
</context>
<context>
    <name>RunStatus</name>
    <message>
        <source>%v / %m tiles done</source>
        <translation>%v / %m Kacheln erledigt</translation>
    </message>
    <message>
        <source>Elapsed time, expected end, credits so far, downloaded</source>
        <translation>Verstrichene Zeit, erwartetes Ende, bisherige Credits, heruntergeladen</translation>
    </message>
    <message>
        <source>Not running since {since} — the run's engine stopped without finishing. Run to resume (every tile keeps its one job).</source>
        <translation>Seit {since} angehalten — die Engine des Laufs hat aufgehört, ohne fertig zu werden. „Ausführen“ setzt fort (jede Kachel behält ihren einen Job).</translation>
    </message>
    <message>
        <source>Not tracking since {since} — unfinished tiles show their last known status. Run to resume, or Refresh to update once.</source>
        <translation>Seit {since} keine Verfolgung — unfertige Kacheln zeigen ihren zuletzt bekannten Status. „Ausführen“ setzt fort, „Aktualisieren“ aktualisiert einmal.</translation>
    </message>
    <message>
        <source>Run complete ({stamp}): every tile is final.</source>
        <translation>Lauf abgeschlossen ({stamp}): Alle Kacheln sind abgeschlossen.</translation>
    </message>
    <message>
        <source>Tracking the run — last update {stamp}. It runs on its own: closing QGIS does not stop it.</source>
        <translation>Der Lauf wird verfolgt — letzte Aktualisierung {stamp}. Er ist eigenständig: Das Schließen von QGIS hält ihn nicht an.</translation>
    </message>
    <message>
        <source>%v / %m jobs done</source>
        <translation>%v / %m Jobs erledigt</translation>
    </message>
    <message>
        <source>Run complete ({stamp}): every job is final.</source>
        <translation>Lauf abgeschlossen ({stamp}): Alle Jobs sind abgeschlossen.</translation>
    </message>
</context>
<context>
    <name>RunViewer</name>
    <message>
        <source>holder unknown</source>
        <translation>Inhaber unbekannt</translation>
    </message>
    <message>
        <source>{job_db} is in use by another run ({holder}), which cannot be watched from here. Stop that run first, or start a new run in a new job database.</source>
        <translation>{job_db} wird von einem anderen Lauf verwendet ({holder}), der sich von hier aus nicht verfolgen lässt. Halten Sie zuerst diesen Lauf an, oder starten Sie einen neuen Lauf in einer neuen Job-Datenbank.</translation>
    </message>
    <message>
        <source>The run broke off.</source>
        <translation>Der Lauf ist abgebrochen.</translation>
    </message>
</context>
<context>
    <name>StatusStyle</name>
    <message>
        <source>other</source>
        <translation>andere</translation>
    </message>
    <message>
        <source>{status} — last known {time}</source>
        <translation>{status} — Stand {time}</translation>
    </message>
</context>
<context>
    <name>TemplateForm</name>
    <message>
        <source>NDVI, mean over the dates</source>
        <translation>NDVI, Mittel über den Zeitraum</translation>
    </message>
    <message>
        <source>Process graph (JSON file)</source>
        <translation>Prozessgraph (JSON-Datei)</translation>
    </message>
    <message>
        <source>User-defined process (UDP)</source>
        <translation>Benutzerdefinierter Prozess (UDP)</translation>
    </message>
    <message>
        <source>Collection</source>
        <translation>Collection</translation>
    </message>
    <message>
        <source>Red and near-infrared bands, in that order</source>
        <translation>Rot- und Nahinfrarot-Band, in dieser Reihenfolge</translation>
    </message>
    <message>
        <source>Bands (red, NIR)</source>
        <translation>Bänder (Rot, NIR)</translation>
    </message>
    <message>
        <source>Dates</source>
        <translation>Zeitraum</translation>
    </message>
    <message>
        <source>Time windows</source>
        <translation>Zeitfenster</translation>
    </message>
    <message>
        <source>Bounding box (the layer&apos;s CRS)</source>
        <translation>Begrenzungsrechteck (im KBS des Layers)</translation>
    </message>
    <message>
        <source>Polygon (GeoJSON, lon/lat)</source>
        <translation>Polygon (GeoJSON, Länge/Breite)</translation>
    </message>
    <message>
        <source>How each tile or unit is sent: its bounding box, or its own polygon for processes that clip to it (fields, admin areas)</source>
        <translation>Wie jede Kachel oder Einheit gesendet wird: als Begrenzungsrechteck oder als eigenes Polygon für Prozesse, die darauf zuschneiden (Felder, Verwaltungsgebiete)</translation>
    </message>
    <message>
        <source>Area sent</source>
        <translation>Gesendetes Gebiet</translation>
    </message>
    <message>
        <source>Process</source>
        <translation>Prozess</translation>
    </message>
    <message>
        <source>Process graph (*.json)</source>
        <translation>Prozessgraph (*.json)</translation>
    </message>
    <message>
        <source>Process graph</source>
        <translation>Prozessgraph</translation>
    </message>
    <message>
        <source>UDP id</source>
        <translation>UDP-ID</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>Format</translation>
    </message>
    <message>
        <source>Job options</source>
        <translation>Job-Optionen</translation>
    </message>
    <message>
        <source>Choose the process graph JSON file.</source>
        <translation>Wählen Sie die JSON-Datei des Prozessgraphen.</translation>
    </message>
    <message>
        <source>Bind the process&apos;s parameters to a field of the units, the row&apos;s extent or dates, or a value</source>
        <translation>Die Parameter des Prozesses an ein Feld der Einheiten, die Ausdehnung oder den Zeitraum der Zeile oder einen Wert binden</translation>
    </message>
    <message>
        <source>Parameters ({count})</source>
        <translation>Parameter ({count})</translation>
    </message>
    <message>
        <source>Parameters…</source>
        <translation>Parameter…</translation>
    </message>
    <message>
        <source>The process graph&apos;s parameters cannot be listed: {error}</source>
        <translation>Die Parameter des Prozessgraphen können nicht aufgelistet werden: {error}</translation>
    </message>
    <message>
        <source>The process graph declares no parameters: add their names.</source>
        <translation>Der Prozessgraph deklariert keine Parameter: Fügen Sie ihre Namen hinzu.</translation>
    </message>
    <message>
        <source>Add the user-defined process&apos;s parameters by name; its required ones are checked on each back-end before anything is submitted.</source>
        <translation>Fügen Sie die Parameter des benutzerdefinierten Prozesses mit Namen hinzu; seine erforderlichen werden auf jedem Backend geprüft, bevor etwas übermittelt wird.</translation>
    </message>
</context>
<context>
    <name>UnitsBox</name>
    <message>
        <source>Polygon layer</source>
        <translation>Polygonlayer</translation>
    </message>
    <message>
        <source>Selected features only</source>
        <translation>Nur gewählte Objekte</translation>
    </message>
    <message>
        <source>Each unit&apos;s id: unique and not empty (one job per unit).</source>
        <translation>Die ID jeder Einheit: eindeutig und nicht leer (ein Job je Einheit).</translation>
    </message>
    <message>
        <source>Id field</source>
        <translation>ID-Feld</translation>
    </message>
    <message>
        <source>Use units</source>
        <translation>Einheiten verwenden</translation>
    </message>
    <message>
        <source>Units of {layer}</source>
        <translation>Einheiten von {layer}</translation>
    </message>
    <message>
        <source>{count} units from {layer} ({field}).</source>
        <translation>{count} Einheiten aus {layer} ({field}).</translation>
    </message>
</context>
<context>
    <name>UnitsSource</name>
    <message>
        <source>Choose a polygon layer for the units.</source>
        <translation>Wählen Sie einen Polygonlayer für die Einheiten.</translation>
    </message>
    <message>
        <source>Choose the field that holds the unit ids.</source>
        <translation>Wählen Sie das Feld mit den IDs der Einheiten.</translation>
    </message>
    <message>
        <source>No feature of {layer} is selected.</source>
        <translation>Kein Objekt von {layer} ist gewählt.</translation>
    </message>
</context>
<context>
    <name>WindowView</name>
    <message>
        <source>The time window whose statuses the map shows</source>
        <translation>Das Zeitfenster, dessen Status die Karte zeigt</translation>
    </message>
    <message>
        <source>All windows</source>
        <translation>Alle Zeitfenster</translation>
    </message>
    <message>
        <source>{window}: {counts}</source>
        <translation>{window}: {counts}</translation>
    </message>
</context>
<context>
    <name>WindowsBox</name>
    <message>
        <source>One date range</source>
        <translation>Ein Datumsbereich</translation>
    </message>
    <message>
        <source>Steps over the dates</source>
        <translation>Schritte über die Daten</translation>
    </message>
    <message>
        <source>A list of ranges</source>
        <translation>Eine Liste von Bereichen</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>Monat</translation>
    </message>
    <message>
        <source>Quarter</source>
        <translation>Quartal</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>Tage</translation>
    </message>
    <message>
        <source> days</source>
        <translation> Tage</translation>
    </message>
    <message>
        <source>Date ranges start/end, separated by &apos;;&apos; (the end is excluded)</source>
        <translation>Datumsbereiche Anfang/Ende, getrennt durch „;“ (das Ende gehört nicht dazu)</translation>
    </message>
    <message>
        <source>Season (DJF, MAM, JJA, SON)</source>
        <translation>Jahreszeit (DJF, MAM, JJA, SON)</translation>
    </message>
    <message>
        <source>Meteorological seasons from 1 Dec, 1 Mar, 1 Jun and 1 Sep; the first and the last clipped to the dates</source>
        <translation>Meteorologische Jahreszeiten ab 1. Dezember, 1. März, 1. Juni und 1. September; die erste und die letzte auf den Zeitraum zugeschnitten</translation>
    </message>
</context>
</TS>
