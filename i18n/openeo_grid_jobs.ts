<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1">
<context>
    <name>Aoi</name>
    <message>
        <source>The map or layer has no valid coordinate reference system.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The map view is empty; zoom to your area of interest first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a polygon layer as area of interest.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer {name} has no polygons; choose a polygon layer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No features are selected in layer {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer {name} has no polygon to cover.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AuthStore</name>
    <message>
        <source>QGIS could not save the login in its authentication database (is the master password set?).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The login {authcfg} is missing from the QGIS authentication database, or the master password was not given. Edit the connection to enter it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The QGIS authentication system is disabled (no encryption support?): logins cannot be saved.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>BackendMapDialog</name>
    <message>
        <source>Map back-ends of the job database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rows of this job database name back-ends that are not among the ticked connections. Choose which connection tracks (and runs) each one&apos;s tiles.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>BackendsWidget</name>
    <message>
        <source>Back-end (tick to use)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add an openEO back-end</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit the selected back-end</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Forget the selected back-end and its stored login</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in to the selected back-end in a browser (OIDC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect and show what the back-end offers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TLS verification OFF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Batch jobs at once on this back-end</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removed {name} and its stored login.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Background</name>
    <message>
        <source>Unexpected error ({error}); see the log.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ClosePrompt</name>
    <message>
        <source>A run is going on. Keep it running after QGIS closes?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{left} It runs on its own: reopen the project (or open its job database) to watch it again. Stopped, its jobs go on on the back-end but no new job is submitted until you Run again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remember my choice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{left} of {total} jobs left ({eta}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{left} of {total} jobs left.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{left} of {total} tiles left ({eta}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{left} of {total} tiles left.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConnectionDialog</name>
    <message>
        <source>openEO back-end</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Login</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The back-end&apos;s OpenID Connect provider (empty: its default)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Provider</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client secret</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Batch jobs at once on this back-end</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parallel jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no cap</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Most jobs waiting in this back-end&apos;s queue at once, for back-ends that refuse more (a refusal only slows launching)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queued jobs at most</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verify TLS certificates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TLS verification is OFF: only for your own test server with a self-signed certificate. Anyone on the network could read your login.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stored in the QGIS authentication database; type to change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the back-end&apos;s default client</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the back-end&apos;s URL.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is already a connection named {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the user name and the password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the service account&apos;s client id and secret.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting to {url}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{error} Save the connection, then use Log in in the dock.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SENTINEL2_L2A available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no SENTINEL2_L2A</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>logged in as {user}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not logged in</source>
        <translation type="unfinished"></translation>
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
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create tile grid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A metric tile grid (UTM by default) over an extent or polygons, one job per tile.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Extent (any CRS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Area of interest (polygon layer)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tile size (m)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid CRS (empty: the area&apos;s UTM zone)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tile limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Number of tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid CRS used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Canceled: no grid was written.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give an extent or an area-of-interest layer, not both: the grid covers one area.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give the area to cover: an extent (EXTENT) or a polygon layer (AOI).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The extent is empty: give xmin, xmax, ymin, ymax that enclose an area.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The extent has no CRS: add it, e.g. 595000,610000,5660000,5670000 [EPSG:32631].</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the area layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{layer} has no polygons; choose a polygon layer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{layer} has no polygon to cover (no features selected?).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DesktopNotify</name>
    <message>
        <source>openEO run ended</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>openEO run stopped on its budget</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>openEO run waits for a login</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DeviceLoginDialog</name>
    <message>
        <source>Log in to {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Asking the login provider for a code…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open browser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &lt;a href=&quot;{url}&quot;&gt;{url}&lt;/a&gt; in a browser, check that it shows this code, and log in. This dialog closes by itself.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for the login: {time} left</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Export</name>
    <message>
        <source>Cannot tell the format of {name}: use .gpkg, .shp or .geojson.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not write {path}: {error}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GridJobsAlgorithm</name>
    <message>
        <source>Could not write the tiles: {error}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GridJobsDock</name>
    <message>
        <source>Grid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Problems</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Problems ({count})</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GridJobsProvider</name>
    <message>
        <source>openEO Grid Jobs: one openEO batch job per grid tile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not read the model {path}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GridLayer</name>
    <message>
        <source>west (lon °, WGS 84)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>south (lat °, WGS 84)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>east (lon °, WGS 84)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>north (lat °, WGS 84)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid {size} m ({zone})</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GridPanel</name>
    <message>
        <source>Export grid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid exported to {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid of tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Units from a polygon layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run over</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tile size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Map canvas extent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Polygon layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Selected features</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Area</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Automatic UTM zone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid CRS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refuse to build more tiles than this (protects from typos).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tile limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create grid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the grid with its statuses (GeoPackage, Shapefile, GeoJSON)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating a grid of {size} m tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop creating the grid; nothing is added.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid creation canceled; no layer added.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No grid was made.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} tiles of {size} m, {crs} ({epsg}).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GridTask</name>
    <message>
        <source>Creating grid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the grid failed: {error} (details in the message log).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>JobCancel</name>
    <message>
        <source>No job of this run is queued or running: nothing to cancel.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Cancel all %n unfinished jobs of this run on the back-end?

No tile is selected. To cancel only some, select their tiles on the map.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing canceled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Canceling all unfinished jobs…</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Canceling %n tiles' jobs…</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>JobsPanel</name>
    <message>
        <source>This grid&apos;s run is going on (started elsewhere): watching it now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The run goes on in the background; open its grid to watch it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The run no longer goes on: Run to resume it with the new login to {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopping: jobs keep running on the back-end.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the run first: splitting tiles changes the run&apos;s grid.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Splitting %n tiles into {quarters} quarter tiles and running them.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Watching the run of {name} live.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Results left on the back-end are fetched by a run, and {count} tiles have no job yet, which it would submit: Run to go on (with Download results ticked), then Load results.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fetching the finished tiles&apos; results from the back-end; they are added to the map when they are downloaded.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginMethod</name>
    <message>
        <source>No login</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User name and password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OpenID Connect (log in in a browser)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OpenID Connect service account (client id + secret)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LogsDialog</name>
    <message>
        <source>The back-end logged nothing.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OpenEOGridJobsPlugin</name>
    <message>
        <source>{plugin}: run one openEO batch job per grid tile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Missing Python packages: {packages}. Install them for QGIS's Python with: {command} — then restart QGIS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy command</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OpenJobDatabaseAlgorithm</name>
    <message>
        <source>Shows a job tracker on the map: one tile per row, with its job status, job id, back-end, start/end times, duration, costs, failure message and result path; styled by status (finished lime, error dark red, running navy...) with the counts per status in the legend.

&lt;b&gt;Job database&lt;/b&gt;: a .csv or .parquet job tracker: one written by this plugin (the dock, the openeo-grid-jobs command or Run one openEO batch job per tile), or by the openeo client&apos;s MultiBackendJobManager in a notebook (tiles then come from its spatial_extent column, in lon/lat).
&lt;b&gt;Job statuses&lt;/b&gt;: the tiles with their job fields, in the grid CRS when the tracker names one.

The file is only read. To continue the run, use Run one openEO batch job per tile with the same job database, or the dock.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open job database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A job tracker (CSV/Parquet, this plugin&apos;s or a notebook&apos;s) as a layer by status.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job database (*.csv *.parquet *.geoparquet)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job statuses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Number of tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles per status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job database {path} does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Canceled: no layer was written.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} has no run settings beside it (a notebook&apos;s tracker?): a run continues it with the job settings it is given.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} jobs: {statuses}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} tiles: {statuses}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ParametersDialog</name>
    <message>
        <source>Job parameters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parameter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bound to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bold: required. A value is JSON (30, [1, 2], &quot;text&quot;) or plain text. Unbound: the parameter&apos;s default; spatial_extent and temporal_extent get the row&apos;s own.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the selected names you added</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(not bound)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Field {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The row&apos;s extent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The row&apos;s dates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Field {name} (not in the units)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Row {row} is bound but has no name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parameter {name} is listed twice.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only a value is typed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Required</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Default: {value}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Optional</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProblemsController</name>
    <message>
        <source>Tile {tile} has no back-end job, so no logs: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tile {tile} has no back-end job, so no logs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No saved connection named {name}: add it to see the logs of job {job}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Logs of job {job} (tile {tile}, {backend})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fetching the logs of job {job}…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProblemsPage</name>
    <message>
        <source>No problems.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason / tile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show logs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The back-end&apos;s full logs of the selected tile&apos;s job</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Split and retry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replace the selected failed tiles by their four quarters and run them</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n tiles did not finish: {problems}.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ProjectRuns</name>
    <message>
        <source>{name} — {done}/{tiles} finished · {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not save the grid to {path}: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{error} — the grid will be empty when the project is reopened.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Results</name>
    <message>
        <source>Cannot open the result of tile {tile}: {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{grid} — tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{grid} — NDVI</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{grid} — NDVI {start} – {end}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{grid} — NDVI by window</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunBackends</name>
    <message>
        <source>Tick at least one back-end (Add… one if the list is empty).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunButtons</name>
    <message>
        <source>Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Submit and track the tiles&apos; jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop tracking; jobs keep running on the back-end</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask the back-end once for the jobs&apos; statuses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resubmit failed tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel the back-end jobs of the selected tiles (or all)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunInputs</name>
    <message>
        <source>Choose where to keep the job database (.csv or .parquet).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create a grid first (or open a job database).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This grid has not been run yet: nothing to ask the back-end.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{layer} has no field {fields}, which job parameters are bound to (Job › Parameters…). Nothing was submitted.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunJobsAlgorithm</name>
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
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name the connection to run on (saved: {names}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No saved connection is named {name} (saved: {names}). Add it in the plugin's dock (Jobs › Back-ends › Add…), with its login.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{error} Log in in the plugin&apos;s dock first: an OpenID Connect login needs a browser once; runs then use the stored refresh token.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{error} (in the plugin&apos;s dock)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not save the renewed login of %s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not read the saved connections</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the units layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{layer} has no valid CRS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in in the plugin&apos;s dock, then run again with the same job database to resume.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run one openEO batch job per tile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Submit and track one openEO batch job per grid tile; Cancel stops, rerun resumes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles not final (stopped)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles per status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NDVI mosaic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>STAC catalog</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The connection was not read (prepareAlgorithm).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped with {not_final} of {total} tiles not final. Their jobs keep running on the back-end: run again with the same job database ({job_db}) to resume.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The run&apos;s engine stopped without finishing (killed?). Run again with the same job database to resume: every tile keeps its one job.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{final} / {total} jobs final</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{final} / {total} jobs final: {statuses}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{final} / {total} tiles final</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{final} / {total} tiles final: {statuses}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Units (a tile grid or any polygon layer)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unit id field</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connection (saved in the dock)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Collection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bands (red, NIR)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>End date (exclusive)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time windows (instead of the dates; one job per window)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Area sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bounding box (the layer&apos;s CRS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Polygon (GeoJSON, lon/lat)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Process graph file (instead of the NDVI mean)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User-defined process (instead of the NDVI mean)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>UDP namespace (URL)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Process parameters (JSON)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output format</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job options (JSON)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs at once</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Poll interval (s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry failed tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Results folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max. waiting (hours)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max. running (hours)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give a process graph file or a user-defined process, not both.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Process graph file {path} does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is not a date like 2024-05-01.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the job database file (.csv or .parquet).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The poll interval must be &gt; 0 seconds, got {value}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunLink</name>
    <message>
        <source>Cannot open the results mosaic {path}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The run&apos;s engine stopped at {since} without finishing (killed?). Jobs keep running on the back-end: Run resumes the run.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunMessages</name>
    <message>
        <source>The layer {layer} does not take the tiles&apos; statuses ({why}); is its file open in another program? The run goes on, and the map catches up as soon as the layer takes them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retrying the failed tiles of {tiles} on {backends}; kept in {job_db}. It runs on its own: you may close QGIS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run started: {tiles} tiles on {backends}; kept in {job_db}. It runs on its own: you may close QGIS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retrying the failed jobs of {units} units × {windows} time windows on {backends}; kept in {job_db}. It runs on its own: you may close QGIS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run started: {units} units × {windows} time windows ({jobs} jobs) on {backends}; kept in {job_db}. It runs on its own: you may close QGIS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Asking the back-end for the jobs' statuses…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run complete: {finished} of {total} jobs finished, {failed} failed (Retry failed resubmits them).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run complete: {finished} of {total} jobs finished.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run complete: {finished} of {total} tiles finished, {failed} failed (Retry failed resubmits them).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run complete: {finished} of {total} tiles finished.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No downloaded results yet (finished tiles only).</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Loaded %n tile results.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>All %n tile results are already on the map.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Statuses refreshed; nothing was submitted. Run resumes tracking.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel requests sent. The other jobs keep running; Run resumes tracking.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not tracking any more. Jobs keep running on the back-end; Run resumes tracking them, Refresh updates the map once.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunOpener</name>
    <message numerus="yes">
        <source>Opened {path}: %n tiles.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Open job database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job database (*.csv *.parquet)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunPage</name>
    <message>
        <source>Job database (*.csv *.parquet)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The run&apos;s job table (one row per tile); its grid is saved beside it (.gpkg)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Poll every</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no cap</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> credits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop launching jobs before the run&apos;s costs (spent plus expected for the jobs out) would pass this; the rest are skipped and say why. Raise it and Run to go on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Credit budget</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Off: results stay on the back-end, the map shows statuses only, and the catalog in the results folder points at their URLs. Tick it and Run again to fetch them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel a job still created or queued this long after its start (a lost start); its tile fails with the reason, and Retry failed takes it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max. waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel a job running longer than this; its tile fails with the reason, and Retry failed or Split and retry take it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max. running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The runs of this project: open one to show and resume it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs in this project</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open job database…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show a job tracker (this plugin&apos;s or a notebook&apos;s) on the map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add each finished tile&apos;s downloaded result as a layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no limit</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunPrompts</name>
    <message>
        <source>Run not started: the back-ends were not mapped.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunStatus</name>
    <message>
        <source>Elapsed time, expected end, credits so far, downloaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%v / %m jobs done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%v / %m tiles done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not running since {since} — the run's engine stopped without finishing. Run to resume (every tile keeps its one job).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not tracking since {since} — unfinished tiles show their last known status. Run to resume, or Refresh to update once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run complete ({stamp}): every job is final.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run complete ({stamp}): every tile is final.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tracking the run — last update {stamp}. It runs on its own: closing QGIS does not stop it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunViewer</name>
    <message>
        <source>holder unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{job_db} is in use by another run ({holder}), which cannot be watched from here. Stop that run first, or start a new run in a new job database.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The run broke off.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StatusStyle</name>
    <message>
        <source>other</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{status} — last known {time}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TemplateForm</name>
    <message>
        <source>NDVI, mean over the dates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Process graph (JSON file)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User-defined process (UDP)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Collection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Red and near-infrared bands, in that order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bands (red, NIR)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time windows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bounding box (the layer&apos;s CRS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Polygon (GeoJSON, lon/lat)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How each tile or unit is sent: its bounding box, or its own polygon for processes that clip to it (fields, admin areas)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Area sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Process</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Process graph (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bind the process&apos;s parameters to a field of the units, the row&apos;s extent or dates, or a value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Process graph</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Format</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job options</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>UDP id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parameters ({count})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parameters…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The process graph&apos;s parameters cannot be listed: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The process graph declares no parameters: add their names.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add the user-defined process&apos;s parameters by name; its required ones are checked on each back-end before anything is submitted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the process graph JSON file.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UnitsBox</name>
    <message>
        <source>Polygon layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Selected features only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Each unit&apos;s id: unique and not empty (one job per unit).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Id field</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use units</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Units of {layer}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} units from {layer} ({field}).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UnitsSource</name>
    <message>
        <source>Choose a polygon layer for the units.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the field that holds the unit ids.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No feature of {layer} is selected.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WindowView</name>
    <message>
        <source>The time window whose statuses the map shows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All windows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{window}: {counts}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WindowsBox</name>
    <message>
        <source>One date range</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Steps over the dates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A list of ranges</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quarter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Season (DJF, MAM, JJA, SON)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Meteorological seasons from 1 Dec, 1 Mar, 1 Jun and 1 Sep; the first and the last clipped to the dates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date ranges start/end, separated by &apos;;&apos; (the end is excluded)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
