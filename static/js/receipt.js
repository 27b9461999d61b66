/* The teacher's receipt page opened from the receipt's QR code: the code travels in
   the link's fragment (never sent to the server by the browser), and is put in the
   form for the teacher to send. */
(function () {
  "use strict";
  var code = document.getElementById("code");
  var hash = window.location.hash.slice(1);
  if (code && hash.indexOf("R1.") === 0 && !code.value) {
    code.value = hash;
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
}());
