document.getElementById('kbench-download').addEventListener('click', function () {
  var text = document.getElementById('kbench-data').textContent;
  var url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  var link = document.createElement('a');
  link.href = url;
  link.download = 'kbench-report-data.json';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
});
